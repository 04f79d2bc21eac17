// The optional new-lead notification through the send_email binding: sent
// after the lead is stored, carrying the correlation id and never the lead.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";

import { leadFields, postLead } from "../support/lead-client.mjs";
import { startWrangler } from "../support/wrangler.mjs";

let dev;

before(async () => {
  dev = await startWrangler({ vars: { NOTIFY_FROM: "leads@baystore.example" } });
});

after(async () => {
  await dev?.stop();
});

test("a stored lead sends a notification that names only its id", async () => {
  const fields = leadFields("notify");
  const { response, text } = await postLead(dev.url, fields, {
    ip: "192.0.2.44",
    json: true,
  });
  assert.equal(response.status, 200);
  const { id } = JSON.parse(text);

  await dev.waitForLog(new RegExp(`notify outcome=sent id=${id}`));
  // The local binding reports the message on its own output stream, which
  // may reach the log a moment after the Worker's line.
  const logs = await dev.waitForLog(/send_email binding called with MessageBuilder[\s\S]*Text: \S+\.txt/);
  assert.match(logs, /leads@baystore\.example/);
  assert.match(logs, /sales@baystore\.example/);
  const bodyPath = logs.match(/Text: (\S+\.txt)/);
  assert.ok(bodyPath, "the local binding stored the text body");
  const body = await readFile(bodyPath[1], "utf8");
  assert.ok(body.includes(id), "the notification names the correlation id");
  for (const value of [fields.name, fields.email, fields.company, fields.message, "192.0.2.44"]) {
    assert.ok(!body.includes(value), "the notification copies the lead");
    assert.ok(!logs.includes(value), "the logs copy the lead");
  }
});
