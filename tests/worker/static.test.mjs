// The static bundle served by the same `wrangler dev` as the Worker: pages
// and assets carry the headers from dist/_headers, the Worker only answers
// the paths it owns, and `wrangler deploy --dry-run` accepts the config.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";

import { startWrangler, repoRoot } from "../support/wrangler.mjs";

const execFileAsync = promisify(execFile);

const SITE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'; manifest-src 'self'";

let dev;

before(async () => {
  dev = await startWrangler();
});

after(async () => {
  await dev?.stop();
});

test("pages are served with the _headers CSP and security headers", async () => {
  for (const path of ["/", "/contact/"]) {
    const response = await fetch(`${dev.url}${path}`);
    assert.equal(response.status, 200, path);
    assert.match(response.headers.get("content-type"), /^text\/html/);
    assert.equal(response.headers.get("content-security-policy"), SITE_CSP, path);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff", path);
    assert.equal(
      response.headers.get("referrer-policy"),
      "strict-origin-when-cross-origin",
      path,
    );
    assert.ok(
      Number(/max-age=(\d+)/.exec(response.headers.get("strict-transport-security"))?.[1]) >=
        15_552_000,
      `HSTS on ${path}`,
    );
    assert.ok(response.headers.get("permissions-policy"), `Permissions-Policy on ${path}`);
    assert.equal(response.headers.get("cross-origin-opener-policy"), "same-origin", path);
    assert.doesNotMatch(response.headers.get("cache-control") ?? "", /immutable/, path);
    assert.match(await response.text(), /<html/i);
  }
});

test("the admin surface carries X-Robots-Tag over HTTP", async () => {
  const response = await fetch(`${dev.url}/console/`);
  assert.equal(response.status, 200);
  await response.text();
  assert.equal(response.headers.get("x-robots-tag"), "noindex, nofollow");
  const home = await fetch(`${dev.url}/`);
  await home.text();
  assert.equal(home.headers.get("x-robots-tag"), null);
});

test("fingerprinted assets get the long immutable cache", async () => {
  const assets = (await readdir(join(repoRoot, "dist", "assets"))).filter((name) =>
    /\.[0-9a-f]{16}\.(css|js)$/.test(name),
  );
  assert.ok(assets.length > 0, "dist/assets holds fingerprinted files");
  const response = await fetch(`${dev.url}/assets/${assets[0]}`);
  assert.equal(response.status, 200);
  await response.arrayBuffer();
  assert.equal(response.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.equal(response.headers.get("content-security-policy"), SITE_CSP);
});

test("unknown paths get the bundle's 404 page, not the Worker", async () => {
  const response = await fetch(`${dev.url}/no-such-page/`);
  assert.equal(response.status, 404);
  assert.match(await response.text(), /<html/i);
  assert.equal(response.headers.get("content-security-policy"), SITE_CSP);
});

test("the Worker owns /lead and /a/*", async () => {
  const lead = await fetch(`${dev.url}/lead`);
  assert.equal(lead.status, 405);
  assert.equal(lead.headers.get("allow"), "POST");
  await lead.text();
  const beacon = await fetch(`${dev.url}/a/anything`);
  assert.equal(beacon.status, 404);
  assert.equal(beacon.headers.get("content-type"), "application/json");
  await beacon.text();
});

test("wrangler deploy --dry-run accepts the configuration", async () => {
  const outdir = await mkdtemp(join(tmpdir(), "baystore-dry-run-"));
  const { stdout } = await execFileAsync(
    join(repoRoot, "node_modules", ".bin", "wrangler"),
    ["deploy", "--dry-run", "--outdir", outdir],
    {
      cwd: repoRoot,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
      timeout: 300_000,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  assert.match(stdout, /--dry-run: exiting now/);
  for (const binding of ["env.DB", "env.LEAD_RATE_LIMITER", "env.ASSETS", "env.RETENTION_DAYS"]) {
    assert.ok(stdout.includes(binding), `dry run lists ${binding}`);
  }
  const written = await readdir(outdir);
  assert.ok(written.some((name) => name.endsWith(".js")), written.join(", "));
});
