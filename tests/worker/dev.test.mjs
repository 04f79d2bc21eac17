// `baystore-site dev` with the real Worker: the local D1 gets the
// project's migrations on start, /lead stores a lead through the dev
// server, pages carry the _headers CSP, and SIGTERM stops wrangler and
// every workerd it started, so a second dev can take the same port at once.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, test } from "node:test";

import { leadFields, postLead } from "../support/lead-client.mjs";
import { d1Query, freePort, repoRoot } from "../support/wrangler.mjs";

const targetDir = process.env.CARGO_TARGET_DIR ?? join(repoRoot, "target");
// The generator binary: BAYSTORE_SITE_BIN, else the one scripts/test.sh has
// just built (`cargo run -- build`, the debug profile), else a release build.
const generator =
  process.env.BAYSTORE_SITE_BIN ??
  [join(targetDir, "debug", "baystore-site"), join(targetDir, "release", "baystore-site")].find(
    (path) => existsSync(path),
  ) ??
  join(targetDir, "debug", "baystore-site");

const state = await mkdtemp(join(tmpdir(), "baystore-dev-state-"));

after(async () => {
  await rm(state, { recursive: true, force: true });
});

/** Starts dev on `port` from the repository; resolves once it serves. */
async function startDev(port) {
  assert.ok(existsSync(generator), `${generator} is missing: run cargo build first`);
  const child = spawn(generator, ["dev", "--port", String(port), "--persist-to", state], {
    cwd: repoRoot,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let errors = "";
  child.stderr.on("data", (chunk) => {
    errors += chunk;
  });
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    if (line === `serving on http://127.0.0.1:${port}/`) {
      return { child, url: `http://127.0.0.1:${port}`, errors: () => errors };
    }
  }
  throw new Error(`dev exited without serving:\n${errors}`);
}

async function stop(dev) {
  dev.child.kill("SIGTERM");
  const [code, signal] = await once(dev.child, "exit");
  return { code, signal };
}

/** Processes whose command line names the dev session's state folder. */
async function processesUsing(folder) {
  const found = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8")).replaceAll("\0", " ");
      if (cmdline.includes(folder)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // The process ended while the list was read.
    }
  }
  return found;
}

test("dev serves pages and the Worker, stores leads, and stops cleanly", async () => {
  const port = await freePort();
  const dev = await startDev(port);
  try {
    const page = await fetch(`${dev.url}/contact/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-security-policy"), /^default-src 'none'/);
    await page.text();

    const get = await fetch(`${dev.url}/lead`);
    assert.equal(get.status, 405);
    await get.text();

    const fields = leadFields(`dev${Date.now()}`);
    const { response } = await postLead(dev.url, fields);
    assert.equal(response.status, 303, dev.errors());
    const rows = await d1Query(state, "SELECT COUNT(*) AS n FROM leads");
    assert.equal(rows[0].n, 1);
    assert.ok(!dev.errors().includes(fields.email), "no lead data in dev output");
  } finally {
    const { code } = await stop(dev);
    assert.equal(code, 0);
  }
  assert.deepEqual(await processesUsing(state), []);

  // The port is free again: a second dev starts on it at once.
  const again = await startDev(port);
  const home = await fetch(`${again.url}/`);
  assert.equal(home.status, 200);
  await home.text();
  await stop(again);
  assert.deepEqual(await processesUsing(state), []);
});
