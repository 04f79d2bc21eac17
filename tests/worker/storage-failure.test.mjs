// When D1 cannot store a lead, the visitor is told so (503 with the mailto
// fallback and a reference) and is never sent to the thank-you page.
// The database here has no migrations applied, so every insert fails.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { assertErrorPage, leadFields, postLead } from "../support/lead-client.mjs";
import { startWrangler } from "../support/wrangler.mjs";

let dev;

before(async () => {
  dev = await startWrangler({ migrate: false });
});

after(async () => {
  await dev?.stop();
});

test("a failed write is a 503 page with the mailto fallback, never a 303", async () => {
  const fields = leadFields("storage-down");
  const { response, text } = await postLead(dev.url, fields, { ip: "192.0.2.10" });
  assertErrorPage(response, text, 503);
  assert.equal(response.headers.get("location"), null);
  const reference = text.match(/Reference: <code>([0-9a-f]{32})<\/code>/);
  assert.ok(reference, "the page shows a reference");
  const logs = await dev.waitForLog(
    new RegExp(`lead outcome=storage_unavailable id=${reference[1]}`),
  );
  for (const value of [fields.name, fields.email, fields.message, "192.0.2.10"]) {
    assert.ok(!logs.includes(value), "logs hold a submitted value");
  }
  assert.doesNotMatch(logs.split("\n").filter((line) => line.includes("outcome=")).join("\n"), /no such table/);
});

test("the JSON variant is a 503 error object with the reference", async () => {
  const { response, text } = await postLead(dev.url, leadFields("storage-json"), {
    ip: "192.0.2.11",
    json: true,
  });
  assert.equal(response.status, 503);
  const { error } = JSON.parse(text);
  assert.equal(error.code, "storage_unavailable");
  assert.match(error.id, /^[0-9a-f]{32}$/);
  assert.ok(!text.includes("SQLITE") && !text.includes("no such table"));
});
