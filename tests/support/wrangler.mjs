// Helpers for tests that run the real Worker and static bundle in
// `wrangler dev` (workerd with local D1) on a loopback port.
//
//   import { startWrangler } from "../support/wrangler.mjs";
//   const dev = await startWrangler({ vars: { ANALYTICS_UPSTREAM: "" } });
//   const response = await fetch(`${dev.url}/contact/`);
//   ...
//   await dev.stop();
//
// startWrangler({ port?, vars?, persistTo?, migrate?, testScheduled?,
//                 snapshotAssets?, timeoutMs? })
//   Starts `wrangler dev --ip 127.0.0.1` from the repository root and
//   resolves once it answers HTTP. Options:
//     port           fixed port; default: a free one chosen by the OS
//     vars           { NAME: "value" } overrides of wrangler.toml [vars]
//     persistTo      local state directory (D1); default: a fresh temp dir,
//                    deleted by stop()
//     migrate        apply migrations/ to local D1 first (default true)
//     testScheduled  expose /__scheduled for cron tests (default true)
//     snapshotAssets serve a private copy of dist/ (default true), so a
//                    rebuild of dist/ during the run does not restart the
//                    Worker; false serves dist/ itself, live
//     timeoutMs      readiness timeout (default 120000)
//   Resolves to { url, port, persistTo, logFile, logs(), waitForLog(), stop() }:
//     url       "http://127.0.0.1:<port>"
//     logFile   file receiving the same output as logs(), kept after stop()
//     logs()    everything wrangler and the Worker printed so far (string)
//     waitForLog(regexp, waitMs?)  resolves to logs() once a line matches;
//               Worker console output reaches wrangler's stdout a moment
//               after the response, so assert on logs through this
//     stop()    ends wrangler and its workerd children; resolves when gone
//
// d1Query(persistTo, sql) runs SQL against the local D1 state and resolves to
// the result rows. applyMigrations(persistTo) applies migrations/.
// freePort() resolves to a free loopback port. allLogs() returns the output
// of every wrangler started in this process, for suite-wide log scans.
//
// The Worker is built once per process with scripts/build-worker.sh (a
// no-op when up to date). wrangler then runs from a copy of wrangler.toml
// without its [build] step, so an edit to functions/src during a run does
// not rebuild and restart the Worker under the tests.

import { spawn, execFile } from "node:child_process";
import { createWriteStream, mkdtempSync } from "node:fs";
import { cp, mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** Repository root (two levels above this file). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

const wranglerBin = join(repoRoot, "node_modules", ".bin", "wrangler");

const baseEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  // wrangler appends everything it prints, query results included, to a
  // debug log under the user's home; test runs keep theirs in a temp dir.
  WRANGLER_LOG_PATH: mkdtempSync(join(tmpdir(), "baystore-wrangler-log-")),
  // Non-interactive: no prompts (migrations), no hotkey panel.
  CI: "true",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
};

const everyLog = [];

/** Output of every wrangler process started by this module so far. */
export function allLogs() {
  return everyLog.map((entry) => entry.text()).join("\n");
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

let frozenConfig;

/**
 * Builds the Worker if needed and writes a copy of wrangler.toml with
 * absolute paths and no [build] section; resolves to the copy's path.
 */
function testConfig() {
  frozenConfig ??= (async () => {
    await execFileAsync(join(repoRoot, "scripts", "build-worker.sh"), [], {
      cwd: repoRoot,
      env: baseEnv,
      timeout: 900_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const original = await readFile(join(repoRoot, "wrangler.toml"), "utf8");
    const absolute = (key, value) => `${key} = ${JSON.stringify(join(repoRoot, value))}`;
    const rewrites = [
      [/^main = "(.+)"$/m, (_, value) => absolute("main", value)],
      [/^directory = "(.+)"$/m, (_, value) => absolute("directory", value)],
      [/^migrations_dir = "(.+)"$/m, (_, value) => absolute("migrations_dir", value)],
      [/^\[build\]\n(?:(?!\[)[^\n]*\n)*/m, () => ""],
    ];
    let text = original;
    for (const [pattern, replace] of rewrites) {
      if (!pattern.test(text)) {
        throw new Error(`wrangler.toml no longer matches ${pattern}`);
      }
      text = text.replace(pattern, replace);
    }
    const dir = await mkdtemp(join(tmpdir(), "baystore-config-"));
    const path = join(dir, "wrangler.toml");
    await writeFile(path, text);
    return path;
  })();
  return frozenConfig;
}

async function runWrangler(args, { timeoutMs = 120_000 } = {}) {
  const config = await testConfig();
  const { stdout } = await execFileAsync(wranglerBin, [...args, "--config", config], {
    cwd: repoRoot,
    env: baseEnv,
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** Applies migrations/ to the local D1 state in `persistTo`. */
export async function applyMigrations(persistTo) {
  await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo]);
}

/** Runs `sql` against the local D1 state in `persistTo`; resolves to rows. */
export async function d1Query(persistTo, sql) {
  const stdout = await runWrangler([
    "d1",
    "execute",
    "DB",
    "--local",
    "--persist-to",
    persistTo,
    "--json",
    "--command",
    sql,
  ]);
  const parsed = JSON.parse(stdout);
  return parsed.flatMap((statement) => statement.results ?? []);
}

async function waitForHttp(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`wrangler dev exited early with code ${child.exitCode}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      return;
    } catch {
      await new Promise((wake) => setTimeout(wake, 250));
    }
  }
  throw new Error(`wrangler dev did not answer on ${url} within ${timeoutMs} ms`);
}

/** Starts `wrangler dev`; see the module comment for options and result. */
export async function startWrangler({
  port,
  vars = {},
  persistTo,
  migrate = true,
  testScheduled = true,
  snapshotAssets = true,
  timeoutMs = 120_000,
} = {}) {
  const chosenPort = port ?? (await freePort());
  // A run directory holds the log file and, unless the caller chose one, the
  // local state; stop() deletes that state (test leads are personal-looking
  // data) and keeps the log.
  const runDir = await mkdtemp(join(tmpdir(), "baystore-wrangler-"));
  const state = persistTo ?? join(runDir, "state");
  await mkdir(state, { recursive: true });
  // wrangler dev restarts the Worker whenever the assets directory changes,
  // which fails in-flight POSTs with 503. Serving a private copy keeps a
  // test run steady while dist/ is rebuilt by someone else.
  let assetsDir;
  if (snapshotAssets) {
    assetsDir = await mkdtemp(join(tmpdir(), "baystore-assets-"));
    await cp(join(repoRoot, "dist"), assetsDir, { recursive: true });
  }
  if (migrate) {
    await applyMigrations(state);
  }

  const args = [
    "dev",
    "--config",
    await testConfig(),
    "--ip",
    "127.0.0.1",
    "--port",
    String(chosenPort),
    "--persist-to",
    state,
    "--show-interactive-dev-session=false",
  ];
  if (testScheduled) {
    args.push("--test-scheduled");
  }
  if (assetsDir) {
    args.push("--assets", assetsDir);
  }
  for (const [name, value] of Object.entries(vars)) {
    args.push("--var", `${name}:${value}`);
  }

  const logFile = join(runDir, "wrangler-dev.log");
  const logStream = createWriteStream(logFile);
  const chunks = [];
  const child = spawn(wranglerBin, args, {
    cwd: repoRoot,
    env: baseEnv,
    // Own process group, so stop() can end workerd along with wrangler.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream.on("data", (chunk) => {
      chunks.push(chunk);
      logStream.write(chunk);
    });
  }
  const exited = new Promise((resolveExit) =>
    child.once("exit", () => logStream.end(resolveExit)),
  );
  const logs = () => Buffer.concat(chunks).toString("utf8");
  everyLog.push({ text: logs });

  const url = `http://127.0.0.1:${chosenPort}`;
  try {
    await waitForHttp(`${url}/`, child, timeoutMs);
  } catch (error) {
    killGroup(child);
    await exited;
    throw new Error(`${error.message}\n--- wrangler output ---\n${logs()}`);
  }

  return {
    url,
    port: chosenPort,
    persistTo: state,
    logFile,
    logs,
    async waitForLog(pattern, waitMs = 10_000) {
      const deadline = Date.now() + waitMs;
      while (!pattern.test(logs())) {
        if (Date.now() > deadline) {
          throw new Error(`no log line matched ${pattern} within ${waitMs} ms`);
        }
        await new Promise((wake) => setTimeout(wake, 50));
      }
      return logs();
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        killGroup(child);
        const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      if (assetsDir) {
        await rm(assetsDir, { recursive: true, force: true });
      }
      if (persistTo === undefined) {
        await rm(state, { recursive: true, force: true });
      }
    },
  };
}

function killGroup(child, signal = "SIGTERM") {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
