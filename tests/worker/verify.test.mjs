// `baystore-site verify` against the real thing: `wrangler dev` serving
// the built sample site (dist/) with its _headers and the Worker must
// verify clean, and the Worker probes must create nothing.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";

import { d1Query, repoRoot, startWrangler } from "../support/wrangler.mjs";

const execFileAsync = promisify(execFile);

let dev;

before(async () => {
  dev = await startWrangler();
});

after(async () => {
  await dev?.stop();
});

/** Runs `baystore-site verify URL` (built by cargo if needed); resolves to
 * { code, report, stderr } with the JSON report parsed. */
async function verify(url) {
  try {
    const { stdout, stderr } = await execFileAsync(
      "cargo",
      ["run", "--quiet", "--locked", "--", "verify", url, "--format", "json"],
      { cwd: repoRoot, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 },
    );
    return { code: 0, report: JSON.parse(stdout), stderr };
  } catch (error) {
    if (typeof error.code !== "number") {
      throw error;
    }
    return { code: error.code, report: error.stdout ? JSON.parse(error.stdout) : null, error };
  }
}

test("the sample site served by wrangler dev verifies clean", async () => {
  const before = await d1Query(dev.persistTo, "SELECT COUNT(*) AS n FROM leads");
  const { code, report, error, stderr } = await verify(dev.url);
  assert.equal(code, 0, `${JSON.stringify(report?.findings, null, 2)} ${error?.stderr ?? ""}`);
  assert.deepEqual(report.findings, []);
  // Not a vacuous pass: every page, the assets and both Worker routes.
  const counts = /verified (\d+) pages, (\d+) other files and (\d+) Worker routes/.exec(stderr);
  assert.ok(counts, stderr);
  assert.ok(Number(counts[1]) >= 20, `pages: ${counts[1]}`);
  assert.ok(Number(counts[2]) >= 4, `other files: ${counts[2]}`);
  assert.equal(Number(counts[3]), 2);
  // The probes of /lead and /a/event are GETs: no lead is stored.
  const afterRows = await d1Query(dev.persistTo, "SELECT COUNT(*) AS n FROM leads");
  assert.deepEqual(afterRows, before);
  assert.equal(afterRows[0].n, 0);
});

test("a server that is not there is exit 1 with one unreachable finding", async () => {
  const { code, report } = await verify("http://127.0.0.1:9");
  assert.equal(code, 1);
  assert.equal(report.findings.length, 1);
  assert.equal(report.findings[0].rule, "served/unreachable");
});

test("a URL that is not an origin cannot run: exit 2", async () => {
  const { code } = await verify(`${dev.url}/contact/`);
  assert.equal(code, 2);
});
