// The scheduled retention purge, triggered through wrangler's
// --test-scheduled endpoint: it deletes leads older than RETENTION_DAYS and
// only those.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { d1Query, startWrangler } from "../support/wrangler.mjs";

const DAY = 24 * 60 * 60 * 1000;
const RETENTION_DAYS = 30;
let dev;

before(async () => {
  dev = await startWrangler({ vars: { RETENTION_DAYS: String(RETENTION_DAYS) } });
});

after(async () => {
  await dev?.stop();
});

function row(id, ageDays) {
  const receivedAt = new Date(Date.now() - ageDays * DAY).toISOString();
  return `('${id}', '${receivedAt}', 'pii', 'Retention Test', 'retention@customer.example', NULL, 'Purge check')`;
}

test("the cron purge deletes only leads past the retention period", async () => {
  const rows = [
    ["old-400", 400],
    ["old-31", RETENTION_DAYS + 1],
    ["edge-inside", RETENTION_DAYS - 0.01],
    ["recent-1", 1],
    ["fresh", 0],
  ];
  await d1Query(
    dev.persistTo,
    `INSERT INTO leads (id, received_at, data_class, name, email, company, message) VALUES ${rows
      .map(([id, age]) => row(id, age))
      .join(", ")}`,
  );

  const response = await fetch(`${dev.url}/__scheduled?cron=${encodeURIComponent("17 3 * * *")}`);
  assert.equal(response.status, 200);
  await response.text();

  const left = await d1Query(dev.persistTo, "SELECT id FROM leads ORDER BY id");
  assert.deepEqual(
    left.map((entry) => entry.id),
    ["edge-inside", "fresh", "recent-1"],
  );
  await dev.waitForLog(/retention outcome=purged count=2/);
});

test("a second run finds nothing more to delete", async () => {
  const response = await fetch(`${dev.url}/__scheduled?cron=${encodeURIComponent("17 3 * * *")}`);
  assert.equal(response.status, 200);
  await response.text();
  const left = await d1Query(dev.persistTo, "SELECT COUNT(*) AS n FROM leads");
  assert.equal(left[0].n, 3);
  await dev.waitForLog(/retention outcome=purged count=0/);
});
