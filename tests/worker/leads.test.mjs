// The operator's `leads` commands (list, show, export, erase, audit) run by
// the generator binary against the real local D1 of `wrangler dev`: leads
// arrive over HTTP, every read and erasure leaves a lead_events row, an
// erasure leaves a tombstone without personal data, exports carry a
// manifest whose checksum matches, CSV is safe in a spreadsheet, the
// scheduled purge records what it removed, and nothing personal reaches
// stderr or any log.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile, copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";

import { leadFields, postLead } from "../support/lead-client.mjs";
import { d1Query, repoRoot, startWrangler } from "../support/wrangler.mjs";

const execFileAsync = promisify(execFile);

// scripts/test.sh builds the debug binary (`cargo run -- build`) before
// this suite; the build below is a no-op then, and keeps a direct
// `node --test` run honest about the current code.
const targetDir = resolve(repoRoot, process.env.CARGO_TARGET_DIR ?? "target");
const binary = join(targetDir, "debug", "baystore-site");

const RETENTION_DAYS = 30;
const AUDIT_RETENTION_DAYS = 400;
const DAY = 24 * 60 * 60 * 1000;
const OPERATOR = "lead-tests";
const run = randomBytes(4).toString("hex");

let dev;
let scratch;
let home;
// Everything personal this file sends, and everything the tool printed to
// stderr, for the scans at the end.
const sent = new Set();
const stderrs = [];

function remember(fields) {
  for (const key of ["name", "email", "company", "message"]) {
    if (fields[key]?.trim()) sent.add(fields[key]);
  }
  return fields;
}

/** Runs `baystore-site leads ARGS` against the dev server's local D1. */
async function leads(args, { persistTo = dev.persistTo, env = {} } = {}) {
  const argv = ["leads", ...args];
  if (persistTo !== null) argv.push("--persist-to", persistTo);
  try {
    const { stdout, stderr } = await execFileAsync(binary, argv, {
      cwd: repoRoot,
      env: {
        ...process.env,
        // wrangler's debug log would land under HOME unless the tool
        // redirects it; the scan at the end looks there.
        HOME: home,
        XDG_CONFIG_HOME: join(home, ".config"),
        BAYSTORE_OPERATOR: OPERATOR,
        WRANGLER_SEND_METRICS: "false",
        ...env,
      },
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    stderrs.push(stderr);
    return { code: 0, stdout, stderr };
  } catch (error) {
    if (typeof error.code !== "number") throw error;
    stderrs.push(error.stderr);
    return { code: error.code, stdout: error.stdout, stderr: error.stderr };
  }
}

function sqlString(value) {
  return `'${value.replaceAll("'", "''")}'`;
}

/** RFC 4180 CSV into rows of cells. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = "";
  let quoted = false;
  for (let at = 0; at < text.length; at += 1) {
    const c = text[at];
    if (quoted) {
      if (c === '"' && text[at + 1] === '"') {
        cell += '"';
        at += 1;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[at + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      at += 1;
    } else {
      cell += c;
    }
  }
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

// The leads this file submits, by role.
const submitted = {};

before(async () => {
  await execFileAsync("cargo", ["build", "--locked", "--quiet", "--bin", "baystore-site"], {
    cwd: repoRoot,
    timeout: 1_800_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  scratch = await mkdtemp(join(tmpdir(), "baystore-leads-"));
  home = await mkdtemp(join(tmpdir(), "baystore-leads-home-"));
  dev = await startWrangler({
    vars: {
      RETENTION_DAYS: String(RETENTION_DAYS),
      AUDIT_RETENTION_DAYS: String(AUDIT_RETENTION_DAYS),
    },
  });

  const forms = {
    plain: leadFields(`${run}plain`),
    // Same person, address typed in another case: erased together.
    sameAddress: { ...leadFields(`${run}same`), email: `QUINN.${run}PLAIN@Customer.Example` },
    formula: {
      name: `=HYPERLINK("https://attacker.example/?${run}","Open")`,
      email: `=${run}calc@customer.example`,
      company: `+cmd|' /C calc'!A0 ${run}`,
      message: `@SUM(1+1)\r\n-2+3 ${run}`,
      website: "",
    },
    byId: leadFields(`${run}byid`),
    kept: leadFields(`${run}kept`),
  };
  let ip = 0;
  for (const [role, fields] of Object.entries(forms)) {
    remember(fields);
    ip += 1;
    const { response, text } = await postLead(dev.url, fields, {
      json: true,
      ip: `203.0.113.${ip}`,
    });
    assert.equal(response.status, 200, `${role}: ${text}`);
    submitted[role] = { ...fields, id: JSON.parse(text).id };
  }
});

after(async () => {
  await dev?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
  if (home) await rm(home, { recursive: true, force: true });
});

describe("reading", () => {
  test("list shows ids and times only, and records a list event", async () => {
    const { code, stdout, stderr } = await leads(["list"]);
    assert.equal(code, 0, stderr);
    for (const lead of Object.values(submitted)) {
      assert.match(stdout, new RegExp(`^${lead.id}  \\d{4}-\\d{2}-\\d{2}T`, "m"));
    }
    for (const value of sent) {
      assert.ok(!stdout.includes(value), "list prints a personal field");
    }
    const event = stderr.match(/recorded as lead event ([0-9a-f]{32}) \(list\)/);
    assert.ok(event, stderr);
    const [row] = await d1Query(dev.persistTo, `SELECT * FROM lead_events WHERE id = '${event[1]}'`);
    assert.equal(row.action, "list");
    assert.equal(row.count, Object.keys(submitted).length);
    assert.equal(row.actor, OPERATOR);
    assert.equal(row.lead_id, null);
  });

  test("list --since filters by arrival and records the bound", async () => {
    const tomorrow = new Date(Date.now() + DAY).toISOString().slice(0, 10);
    const { code, stdout, stderr } = await leads(["list", "--json", "--since", tomorrow]);
    assert.equal(code, 0, stderr);
    assert.deepEqual(JSON.parse(stdout), []);
    const id = stderr.match(/event ([0-9a-f]{32})/)[1];
    const [row] = await d1Query(dev.persistTo, `SELECT count, detail FROM lead_events WHERE id = '${id}'`);
    assert.deepEqual(row, { count: 0, detail: `since=${tomorrow}T00:00:00.000Z` });
  });

  test("show prints the lead to stdout only, and records the lead id", async () => {
    const lead = submitted.plain;
    const { code, stdout, stderr } = await leads(["show", lead.id.toUpperCase()]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(`^name +${lead.name}$`, "m"));
    assert.match(stdout, new RegExp(`^email +${lead.email.replaceAll(".", "\\.")}$`, "m"));
    assert.ok(stdout.includes("  Thanks."), "the message is shown line by line");
    const id = stderr.match(/event ([0-9a-f]{32}) \(show\)/)[1];
    const [row] = await d1Query(dev.persistTo, `SELECT * FROM lead_events WHERE id = '${id}'`);
    assert.equal(row.action, "show");
    assert.equal(row.lead_id, lead.id);
    assert.equal(row.count, 1);

    const json = await leads(["show", lead.id, "--json"]);
    const shown = JSON.parse(json.stdout);
    assert.equal(shown.email, lead.email);
    assert.equal(shown.data_class, "pii");
  });
});

describe("export", () => {
  test("CSV export: 0600 file, manifest with a matching checksum, formulas neutralised", async () => {
    const file = join(scratch, "leads.csv");
    const { code, stdout, stderr } = await leads(["export", "--format", "csv", "--out", file]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^exported 5 leads to /);
    const manifestPath = `${file}.manifest.json`;
    for (const path of [file, manifestPath]) {
      assert.equal((await stat(path)).mode & 0o777, 0o600, path);
    }

    const bytes = await readFile(file);
    const manifest = JSON.parse(await readFile(manifestPath, "utf8"));
    assert.equal(manifest.sha256, sha256(bytes));
    assert.equal(manifest.bytes, bytes.length);
    assert.equal(manifest.count, 5);
    assert.equal(manifest.data_class, "pii");
    assert.equal(manifest.format, "csv");
    assert.equal(manifest.file, "leads.csv");
    assert.equal(manifest.operator, OPERATOR);
    assert.match(manifest.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.deepEqual(manifest.database, { binding: "DB", name: "baystore-leads", location: "local" });
    const stored = await d1Query(
      dev.persistTo,
      "SELECT MIN(received_at) AS first, MAX(received_at) AS last FROM leads",
    );
    assert.deepEqual(manifest.time_range, {
      first_received_at: stored[0].first,
      last_received_at: stored[0].last,
    });
    assert.match(stderr, new RegExp(`recorded as lead event ${manifest.export_id} \\(export\\)`));
    const [event] = await d1Query(
      dev.persistTo,
      `SELECT action, count, detail, actor FROM lead_events WHERE id = '${manifest.export_id}'`,
    );
    assert.deepEqual(event, { action: "export", count: 5, detail: "format=csv", actor: OPERATOR });

    const rows = parseCsv(bytes.toString("utf8"));
    assert.deepEqual(rows[0], ["id", "received_at", "data_class", "name", "email", "company", "message"]);
    assert.equal(rows.length, 6);
    for (const row of rows) {
      for (const cell of row) {
        assert.ok(!/^[=+\-@\t\r]/.test(cell), `cell ${JSON.stringify(cell)} starts a formula`);
      }
    }
    const formula = rows.find((row) => row[0] === submitted.formula.id);
    assert.equal(formula[3], `'${submitted.formula.name}`);
    assert.equal(formula[4], `'${submitted.formula.email}`);
    assert.equal(formula[5], `'${submitted.formula.company}`);
    assert.equal(formula[6], `'${submitted.formula.message}`);
    assert.equal(manifest.neutralised_cells, 4);
    const plain = rows.find((row) => row[0] === submitted.plain.id);
    assert.equal(plain[6], submitted.plain.message, "quoting keeps CR LF inside the cell");
  });

  test("an export never replaces a file, its manifest, or a planted name", async () => {
    const file = join(scratch, "leads.csv");
    const before = sha256(await readFile(file));
    const manifestBefore = await readFile(`${file}.manifest.json`, "utf8");
    const again = await leads(["export", "--format", "csv", "--out", file]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists; an export never replaces a file/);
    assert.equal(sha256(await readFile(file)), before);
    assert.equal(await readFile(`${file}.manifest.json`, "utf8"), manifestBefore);

    // Only the manifest's name is taken: nothing is created, nothing read.
    const other = join(scratch, "other.json");
    await writeFile(`${other}.manifest.json`, "someone else's");
    const blocked = await leads(["export", "--format", "json", "--out", other]);
    assert.equal(blocked.code, 1);
    await assert.rejects(stat(other));
    assert.equal(await readFile(`${other}.manifest.json`, "utf8"), "someone else's");
  });

  test("JSON export carries the values unchanged", async () => {
    const file = join(scratch, "leads.json");
    const { code, stderr } = await leads(["export", "--format", "json", "--out", file]);
    assert.equal(code, 0, stderr);
    const bytes = await readFile(file);
    const exported = JSON.parse(bytes.toString("utf8"));
    const manifest = JSON.parse(await readFile(`${file}.manifest.json`, "utf8"));
    assert.equal(manifest.sha256, sha256(bytes));
    assert.equal(manifest.count, exported.length);
    const formula = exported.find((lead) => lead.id === submitted.formula.id);
    assert.equal(formula.name, submitted.formula.name);
    assert.equal(formula.message, submitted.formula.message);
  });
});

describe("erasure", () => {
  const reason = `GDPR erasure; ticket 'E-${run}' -- done; DROP TABLE lead_events`;

  test("erase --email matches case-insensitively, reports the count, keeps tombstones", async () => {
    const target = [submitted.plain, submitted.sameAddress];
    const { code, stdout, stderr } = await leads([
      "erase",
      "--email",
      submitted.plain.email.toUpperCase(),
      "--reason",
      reason,
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^erased 2 leads; a tombstone is kept for each$/m);
    const eventId = stderr.match(/event ([0-9a-f]{32}) \(erase\)/)[1];

    const left = await d1Query(
      dev.persistTo,
      `SELECT COUNT(*) AS n FROM leads WHERE id IN (${target.map((lead) => sqlString(lead.id)).join(", ")})`,
    );
    assert.equal(left[0].n, 0);
    const tombstones = await d1Query(
      dev.persistTo,
      `SELECT * FROM lead_tombstones WHERE event_id = '${eventId}' ORDER BY id`,
    );
    assert.deepEqual(
      tombstones.map((row) => row.id),
      target.map((lead) => lead.id).sort(),
    );
    for (const row of tombstones) {
      assert.deepEqual(Object.keys(row).sort(), ["erased_at", "event_id", "id", "reason", "received_at"]);
      assert.equal(row.reason, reason, "the reason is stored exactly as typed");
      assert.match(row.received_at, /^\d{4}-\d{2}-\d{2}T/);
      assert.match(row.erased_at, /^\d{4}-\d{2}-\d{2}T/);
      const values = Object.values(row).join("\n");
      for (const value of sent) {
        assert.ok(!values.includes(value), "a tombstone holds a personal field");
      }
    }
    const [event] = await d1Query(dev.persistTo, `SELECT * FROM lead_events WHERE id = '${eventId}'`);
    assert.equal(event.action, "erase");
    assert.equal(event.count, 2);
    assert.equal(event.reason, reason);
    assert.equal(event.detail, "by=email");
    assert.equal(event.lead_id, null);
    // The other tables survived the reason's SQL.
    const kept = await d1Query(dev.persistTo, "SELECT COUNT(*) AS n FROM leads");
    assert.equal(kept[0].n, 3);
  });

  test("erase --id removes one lead; a second erasure says it was erased before", async () => {
    const lead = submitted.byId;
    const first = await leads(["erase", "--id", lead.id, "--reason", "ticket 7"]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^erased 1 lead; a tombstone is kept for each$/m);
    assert.match(first.stdout, new RegExp(`^${lead.id}  received `, "m"));
    const second = await leads(["erase", "--id", lead.id, "--reason", "ticket 7"]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^erased 0 leads: no stored lead matched$/m);
    assert.match(second.stdout, new RegExp(`lead ${lead.id} was already erased at `));
    const events = await d1Query(
      dev.persistTo,
      `SELECT count, detail FROM lead_events WHERE action = 'erase' AND lead_id = '${lead.id}' ORDER BY seq`,
    );
    assert.deepEqual(events, [
      { count: 1, detail: "by=id" },
      { count: 0, detail: "by=id" },
    ]);
  });

  test("show of an erased lead fails, naming the erasure and nothing personal", async () => {
    const { code, stdout, stderr } = await leads(["show", submitted.byId.id]);
    assert.equal(code, 1);
    assert.equal(stdout, "");
    assert.match(stderr, /no stored lead has the id [0-9a-f]{32}; it was erased at \d{4}-/);
  });

  test("a reason holding an address is refused before anything runs", async () => {
    const { code, stderr } = await leads([
      "erase",
      "--email",
      submitted.kept.email,
      "--reason",
      `asked by ${submitted.kept.email}`,
    ]);
    assert.equal(code, 1);
    assert.match(stderr, /--reason must not hold an email address/);
    const still = await d1Query(
      dev.persistTo,
      `SELECT COUNT(*) AS n FROM leads WHERE id = '${submitted.kept.id}'`,
    );
    assert.equal(still[0].n, 1);
  });
});

describe("the record", () => {
  test("lead_events and tombstones refuse updates and deletes of recent rows", async () => {
    // wrangler --json reports the failure on stdout.
    const refused = (sql, pattern) =>
      assert.rejects(d1Query(dev.persistTo, sql), (error) => pattern.test(error.stdout));
    const before = await d1Query(dev.persistTo, "SELECT COUNT(*) AS n FROM lead_events");
    await refused("UPDATE lead_events SET reason = 'rewritten'", /lead_events is append-only/);
    await refused("DELETE FROM lead_events", /kept for their retention period/);
    await refused("UPDATE lead_tombstones SET reason = 'rewritten'", /never changed/);
    await refused("DELETE FROM lead_tombstones", /kept for their retention period/);
    const afterwards = await d1Query(dev.persistTo, "SELECT COUNT(*) AS n FROM lead_events");
    assert.equal(afterwards[0].n, before[0].n);
  });

  test("audit prints every action, with no personal data", async () => {
    const { code, stdout, stderr } = await leads(["audit", "--json"]);
    assert.equal(code, 0, stderr);
    const events = JSON.parse(stdout);
    const actions = events.map((event) => event.action);
    for (const action of ["list", "show", "export", "erase"]) {
      assert.ok(actions.includes(action), `${action} is recorded`);
    }
    const seqs = events.map((event) => event.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    const text = await leads(["audit"]);
    assert.match(text.stdout, /\berase\b.*\bcount=2\b.*\bdetail=by=email\b/);
    for (const value of sent) {
      assert.ok(!text.stdout.includes(value), "the audit prints a personal field");
    }
  });
});

describe("scheduled purge", () => {
  test("the cron purge removes old leads, tombstones and events and records each purge", async () => {
    const ago = (days) => new Date(Date.now() - days * DAY).toISOString();
    const oldLead = `${run}0000000000000000000000aa`.slice(0, 32);
    await d1Query(
      dev.persistTo,
      `INSERT INTO leads (id, received_at, data_class, name, email, company, message) VALUES
         (${sqlString(oldLead)}, '${ago(RETENTION_DAYS + 5)}', 'pii', 'Old Lead', 'old@customer.example', NULL, 'old')`,
    );
    await d1Query(
      dev.persistTo,
      `INSERT INTO lead_tombstones (id, received_at, erased_at, reason, event_id) VALUES
         ('old-tombstone', '${ago(AUDIT_RETENTION_DAYS + 60)}', '${ago(AUDIT_RETENTION_DAYS + 50)}', 'old', 'old-event'),
         ('recent-tombstone', '${ago(AUDIT_RETENTION_DAYS)}', '${ago(AUDIT_RETENTION_DAYS - 10)}', 'recent', 'recent-event')`,
    );
    await d1Query(
      dev.persistTo,
      `INSERT INTO lead_events (id, action, count, occurred_at) VALUES
         ('old-event', 'erase', 1, '${ago(AUDIT_RETENTION_DAYS + 50)}'),
         ('recent-event', 'erase', 1, '${ago(AUDIT_RETENTION_DAYS - 10)}')`,
    );

    const response = await fetch(`${dev.url}/__scheduled?cron=${encodeURIComponent("17 3 * * *")}`);
    assert.equal(response.status, 200);
    await response.text();
    const logs = await dev.waitForLog(
      /retention outcome=purged count=1 tombstones=1 events=1 id=[0-9a-f]{32}/,
    );
    const purgeId = logs.match(/retention outcome=purged count=1 tombstones=1 events=1 id=([0-9a-f]{32})/)[1];

    const leadsLeft = await d1Query(dev.persistTo, `SELECT id FROM leads WHERE id = '${oldLead}'`);
    assert.deepEqual(leadsLeft, []);
    const tombstones = await d1Query(
      dev.persistTo,
      "SELECT id FROM lead_tombstones WHERE id IN ('old-tombstone', 'recent-tombstone')",
    );
    assert.deepEqual(tombstones, [{ id: "recent-tombstone" }]);
    const events = await d1Query(
      dev.persistTo,
      "SELECT id FROM lead_events WHERE id IN ('old-event', 'recent-event')",
    );
    assert.deepEqual(events, [{ id: "recent-event" }]);

    const purges = await d1Query(
      dev.persistTo,
      `SELECT action, count, cutoff, actor, occurred_at FROM lead_events WHERE id = '${purgeId}' ORDER BY seq`,
    );
    assert.deepEqual(
      purges.map((row) => [row.action, row.count, row.actor]),
      [
        ["purge", 1, "scheduled"],
        ["purge_tombstones", 1, "scheduled"],
        ["purge_events", 1, "scheduled"],
      ],
    );
    const at = Date.parse(purges[0].occurred_at);
    const near = (cutoff, days) => Math.abs(Date.parse(cutoff) - (at - days * DAY)) < 1_000;
    assert.ok(near(purges[0].cutoff, RETENTION_DAYS), purges[0].cutoff);
    assert.ok(near(purges[1].cutoff, AUDIT_RETENTION_DAYS), purges[1].cutoff);
    assert.ok(near(purges[2].cutoff, AUDIT_RETENTION_DAYS), purges[2].cutoff);

    const audit = await leads(["audit"]);
    assert.match(audit.stdout, /\bpurge +id=[0-9a-f]{32} +count=1 +cutoff=\S+ +actor=scheduled/);
  });

  test("a run with nothing to remove still records its purges", async () => {
    const response = await fetch(`${dev.url}/__scheduled?cron=${encodeURIComponent("17 3 * * *")}`);
    assert.equal(response.status, 200);
    await response.text();
    const logs = await dev.waitForLog(/retention outcome=purged count=0 tombstones=0 events=0 id=/);
    const id = logs.match(/retention outcome=purged count=0 tombstones=0 events=0 id=([0-9a-f]{32})/)[1];
    const rows = await d1Query(dev.persistTo, `SELECT action, count FROM lead_events WHERE id = '${id}'`);
    assert.equal(rows.length, 3);
    assert.ok(rows.every((row) => row.count === 0));
  });
});

describe("clear errors", () => {
  test("missing migrations name the command that applies them", async () => {
    const empty = await mkdtemp(join(scratch, "empty-state-"));
    const { code, stderr } = await leads(["list"], { persistTo: empty });
    assert.equal(code, 1);
    assert.match(
      stderr,
      /no lead_events table: apply the migrations first with `npx wrangler d1 migrations apply DB --local --persist-to /,
    );
  });

  test("a binding the configuration lacks, and a missing state folder", async () => {
    const binding = await leads(["list", "--binding", "LEADS"]);
    assert.equal(binding.code, 1);
    assert.match(binding.stderr, /declares no D1 binding named LEADS/);
    const folder = await leads(["list"], { persistTo: join(scratch, "no-such-folder") });
    assert.equal(folder.code, 1);
    assert.match(folder.stderr, /no such folder/);
  });

  test("a project without wrangler says how to install it", async () => {
    const project = await mkdtemp(join(scratch, "project-"));
    await copyFile(join(repoRoot, "wrangler.toml"), join(project, "wrangler.toml"));
    const { code, stderr } = await leads(
      ["list", "--config", join(project, "wrangler.toml")],
      { env: { PATH: "/nonexistent" } },
    );
    assert.equal(code, 1);
    assert.match(stderr, /wrangler is not installed: run `npm ci`/);
  });
});

describe("no personal data outside show and export", () => {
  test("stderr of every command, the Worker's logs and wrangler's log files hold none", async () => {
    assert.ok(stderrs.length >= 15, `${stderrs.length} commands ran`);
    const everything = stderrs.join("\n");
    const leaked = [...sent].filter((value) => everything.includes(value));
    assert.deepEqual(leaked, []);
    assert.ok(!everything.includes(run), "the run tag reached stderr");

    const logs = dev.logs();
    assert.deepEqual([...sent].filter((value) => logs.includes(value)), []);

    // wrangler appends all it prints to a debug log under HOME by default;
    // the tool points that log at a private folder it removes.
    const found = [];
    async function walk(dir) {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if ((await readFile(path, "utf8")).includes(run)) found.push(path);
      }
    }
    await walk(home);
    assert.deepEqual(found, []);
  });
});
