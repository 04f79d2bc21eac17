// POST /a/event over real HTTP: forwarded to a local upstream stub with the
// visitor's cookies stripped and the client address set, refused when it is
// not a same-origin page-view, and dropped with 204 when no upstream is set.

import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";

import { assertWorkerHeaders } from "../support/lead-client.mjs";
import { startWrangler } from "../support/wrangler.mjs";

const CLIENT_IP = "203.0.113.77";
const USER_AGENT = "BeaconTestBrowser/9.1 (X11; Linux x86_64)";
const COOKIE = "session=beacon-cookie-value-4f1d";

/** A loopback HTTP server that records what reaches it. */
async function startUpstream() {
  const received = [];
  let nextStatus = 202;
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      received.push({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      response.writeHead(nextStatus, { "content-type": "text/plain" });
      response.end("upstream-detail-that-must-not-leak");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${server.address().port}/api/event`,
    received,
    setStatus(status) {
      nextStatus = status;
    },
    close: () => new Promise((done) => server.close(done)),
  };
}

function pageView(base, extra = {}) {
  const { hostname } = new URL(base);
  return {
    name: "pageview",
    url: `${base}/pricing/?utm_source=newsletter`,
    domain: hostname,
    referrer: null,
    ...extra,
  };
}

/** POSTs a beacon; a header set to null in `headers` is not sent. */
async function sendBeacon(base, body, headers = {}) {
  const merged = {
    origin: base,
    "content-type": "application/json",
    "cf-connecting-ip": CLIENT_IP,
    "user-agent": USER_AGENT,
    cookie: COOKIE,
    ...headers,
  };
  const response = await fetch(`${base}/a/event`, {
    method: "POST",
    headers: Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== null)),
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { response, text: await response.text() };
}

describe("with an analytics upstream", () => {
  let upstream;
  let dev;

  before(async () => {
    upstream = await startUpstream();
    dev = await startWrangler({ vars: { ANALYTICS_UPSTREAM: upstream.url } });
  });

  after(async () => {
    await dev?.stop();
    await upstream?.close();
  });

  test("a page view is forwarded with the client address and without cookies", async () => {
    const event = pageView(dev.url, { props: { plan: "dropped" } });
    const { response, text } = await sendBeacon(dev.url, event);
    assert.equal(response.status, 202);
    assert.equal(text, "");
    assertWorkerHeaders(response);

    assert.equal(upstream.received.length, 1);
    const [forwarded] = upstream.received;
    assert.equal(forwarded.method, "POST");
    assert.equal(forwarded.url, "/api/event");
    assert.equal(forwarded.headers.cookie, undefined);
    assert.equal(forwarded.headers["x-forwarded-for"], CLIENT_IP);
    assert.equal(forwarded.headers["user-agent"], USER_AGENT);
    assert.equal(forwarded.headers["content-type"], "application/json");
    assert.equal(forwarded.headers["cf-connecting-ip"], undefined);
    assert.equal(forwarded.headers.origin, undefined);
    assert.deepEqual(JSON.parse(forwarded.body), {
      name: "pageview",
      url: event.url,
      domain: event.domain,
      referrer: null,
    });
  });

  test("navigator.sendBeacon's text/plain body is accepted", async () => {
    const before = upstream.received.length;
    const { response } = await sendBeacon(dev.url, pageView(dev.url), {
      "content-type": "text/plain;charset=UTF-8",
    });
    assert.equal(response.status, 202);
    assert.equal(upstream.received.length, before + 1);
  });

  test("an upstream failure is a 502 without the upstream's details", async () => {
    upstream.setStatus(500);
    try {
      const { response, text } = await sendBeacon(dev.url, pageView(dev.url));
      assert.equal(response.status, 502);
      assert.equal(JSON.parse(text).error.code, "upstream_failed");
      assert.ok(!text.includes("upstream-detail"));
    } finally {
      upstream.setStatus(202);
    }
  });

  test("refused beacons never reach the upstream", async () => {
    const before = upstream.received.length;
    const cases = [
      [{ origin: "https://tracker.example" }, pageView(dev.url), 403],
      [{ origin: null }, pageView(dev.url), 403],
      [{ "content-type": "application/x-www-form-urlencoded" }, pageView(dev.url), 415],
      [{}, "{not json", 400],
      [{}, pageView(dev.url, { domain: "elsewhere.example" }), 400],
      [{}, pageView(dev.url, { url: "javascript:alert(1)" }), 400],
      [{}, pageView(dev.url, { name: "x".repeat(5000) }), 413],
    ];
    for (const [headers, body, status] of cases) {
      const { response, text } = await sendBeacon(dev.url, body, headers);
      assert.equal(response.status, status, JSON.stringify(headers));
      assert.equal(response.headers.get("content-type"), "application/json");
      assert.ok(JSON.parse(text).error.code);
    }
    assert.equal(upstream.received.length, before);
  });

  test("only POST is allowed and other /a/ paths are not found", async () => {
    const get = await fetch(`${dev.url}/a/event`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("allow"), "POST");
    const other = await fetch(`${dev.url}/a/collect`, { method: "POST", body: "{}" });
    assert.equal(other.status, 404);
    assertWorkerHeaders(other);
  });

  test("logs hold no address, user agent or cookie", async () => {
    const logs = await dev.waitForLog(/beacon outcome=upstream_failed/);
    assert.match(logs, /beacon outcome=forwarded/);
    for (const secret of [CLIENT_IP, USER_AGENT, "beacon-cookie-value"]) {
      assert.ok(!logs.includes(secret), `logs contain ${secret}`);
    }
  });
});

describe("without an analytics upstream", () => {
  let dev;

  before(async () => {
    dev = await startWrangler({ vars: { ANALYTICS_UPSTREAM: "" } });
  });

  after(async () => {
    await dev?.stop();
  });

  test("a valid beacon is answered 204 and dropped", async () => {
    const { response, text } = await sendBeacon(dev.url, pageView(dev.url));
    assert.equal(response.status, 204);
    assert.equal(text, "");
    assertWorkerHeaders(response);
    await dev.waitForLog(/beacon outcome=dropped/);
  });

  test("a foreign beacon is still refused", async () => {
    const { response } = await sendBeacon(dev.url, pageView(dev.url), {
      origin: "https://tracker.example",
    });
    assert.equal(response.status, 403);
  });
});
