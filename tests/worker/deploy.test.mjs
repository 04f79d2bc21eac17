// The deploy path: scripts/deploy.sh refuses a wrangler.toml whose D1
// database_id is still the placeholder, before building anything; with a
// real id it builds the site (running the gate) and the Worker, then runs
// `wrangler deploy --dry-run`, which uploads nothing.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";

import { repoRoot } from "../support/wrangler.mjs";

const execFileAsync = promisify(execFile);
const deploy = join(repoRoot, "scripts", "deploy.sh");
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" };

test("a placeholder D1 id is refused before anything is built", async () => {
  const error = await execFileAsync(deploy, ["--dry-run"], { cwd: repoRoot, env }).then(
    () => assert.fail("deploy.sh accepted the placeholder id"),
    (failure) => failure,
  );
  assert.equal(error.code, 1);
  assert.match(error.stderr, /placeholder/);
  assert.match(error.stderr, /wrangler d1 create baystore-leads/);
  assert.doesNotMatch(error.stderr, /building the site/);
});

test("--verify without a URL, or an unknown option, is a usage error", async () => {
  for (const args of [["--verify"], ["--verify", ""], ["--bogus"]]) {
    const error = await execFileAsync(deploy, args, { cwd: repoRoot, env }).then(
      () => assert.fail(`deploy.sh accepted ${args.join(" ")}`),
      (failure) => failure,
    );
    assert.equal(error.code, 2, args.join(" "));
    assert.match(error.stderr, /usage: scripts\/deploy\.sh \[--dry-run\] \[--verify URL\]/);
  }
});

test("with a real D1 id, deploy builds, gates and dry-runs", async () => {
  const dir = await mkdtemp(join(tmpdir(), "baystore-deploy-"));
  try {
    // A copy of wrangler.toml with absolute paths and an id of the form
    // `wrangler d1 create` prints.
    let config = await readFile(join(repoRoot, "wrangler.toml"), "utf8");
    const absolute = (value) => JSON.stringify(join(repoRoot, value));
    config = config
      .replace(/^main = "(.+)"$/m, (_, value) => `main = ${absolute(value)}`)
      .replace(/^directory = "(.+)"$/m, (_, value) => `directory = ${absolute(value)}`)
      .replace(/^migrations_dir = "(.+)"$/m, (_, value) => `migrations_dir = ${absolute(value)}`)
      .replace(/^command = "(.+)"$/m, (_, value) => `command = ${absolute(value)}`)
      .replace(/^database_id = ".*"$/m, 'database_id = "3f9c1e2a-7b4d-4c8e-9a1f-2d3e4b5c6a7f"');
    const path = join(dir, "wrangler.toml");
    await writeFile(path, config);
    const { stdout, stderr } = await execFileAsync(
      deploy,
      ["--dry-run", "--verify", "https://baystore.example"],
      {
        cwd: repoRoot,
        env: { ...env, WRANGLER_CONFIG: path, BAYSTORE_BUILD_PROFILE: "dev" },
        timeout: 900_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    assert.match(stderr, /building the site/);
    assert.match(
      stderr,
      /would then be verified with: baystore-site verify https:\/\/baystore\.example/,
    );
    assert.match(stdout, /--dry-run: exiting now/);
    assert.ok(stdout.includes("env.DB"), "the dry run lists the D1 binding");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
