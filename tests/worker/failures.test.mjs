// Server-side failures over real HTTP. When D1 cannot store a lead, the
// visitor is told so (503 with the mailto fallback and a reference) and is
// never sent to the thank-you page. When the Worker cannot run at all (here:
// an unusable configuration), the answer is a 500 page with the fallback
// and a reference, and nothing about the cause.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { assertErrorPage, leadFields, postLead } from "../support/lead-client.mjs";
import { startWrangler } from "../support/wrangler.mjs";

describe("storage unavailable", () => {
  let dev;

  before(async () => {
    // No migrations: the leads table does not exist, so every insert fails.
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
    assert.ok(!/sqlite|no such table|leads/i.test(text), "the page names the cause");
    const logs = await dev.waitForLog(
      new RegExp(`lead outcome=storage_unavailable id=${reference[1]}`),
    );
    for (const value of [fields.name, fields.email, fields.message, "192.0.2.10"]) {
      assert.ok(!logs.includes(value), "logs hold a submitted value");
    }
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
    assert.ok(!/sqlite|no such table/i.test(text));
  });
});

describe("unusable configuration", () => {
  let dev;

  before(async () => {
    dev = await startWrangler({ vars: { RETENTION_DAYS: "forever" } });
  });

  after(async () => {
    await dev?.stop();
  });

  test("a lead is answered 500 with the mailto fallback and a reference", async () => {
    const { response, text } = await postLead(dev.url, leadFields("config"), {
      ip: "192.0.2.12",
    });
    assertErrorPage(response, text, 500);
    const reference = text.match(/Reference: <code>([0-9a-f]{32})<\/code>/);
    assert.ok(reference, "the page shows a reference");
    assert.ok(!/RETENTION_DAYS|forever|config/i.test(text), "the page names the cause");
    const logs = await dev.waitForLog(
      new RegExp(`request outcome=internal_error id=${reference[1]}`),
    );
    assert.match(logs, /config outcome=invalid detail=variable RETENTION_DAYS is invalid/);
  });

  test("static pages are unaffected", async () => {
    const response = await fetch(`${dev.url}/`);
    assert.equal(response.status, 200);
    await response.text();
  });
});
