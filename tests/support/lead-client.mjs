// Helpers for posting to the Worker's /lead endpoint in tests, and the
// headers every Worker answer must carry.

import assert from "node:assert/strict";

/** Headers the Worker sets on every answer it builds itself. */
export const WORKER_SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "strict-origin-when-cross-origin",
  "cache-control": "no-store",
};

/** Asserts the Worker's security headers (HSTS checked by prefix). */
export function assertWorkerHeaders(response) {
  for (const [name, value] of Object.entries(WORKER_SECURITY_HEADERS)) {
    assert.equal(response.headers.get(name), value, `${name} on ${response.status}`);
  }
  assert.match(response.headers.get("strict-transport-security") ?? "", /^max-age=\d{8,}/);
}

/** Asserts an HTML error page that offers the mailto fallback. */
export function assertErrorPage(response, body, status) {
  assert.equal(response.status, status);
  assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
  assertWorkerHeaders(response);
  assert.match(body, /<a href="mailto:sales@baystore\.example">sales@baystore\.example<\/a>/);
  assert.doesNotMatch(body, /<script|<style|style=|\son[a-z]+\s*=/i);
}

/** A fresh, valid set of lead fields tagged with `tag`. */
export function leadFields(tag) {
  return {
    name: `Quinn Marlowe ${tag}`,
    email: `quinn.${tag}@customer.example`,
    company: `Harbor Logistics ${tag}`,
    message: `We run ${tag} warehouses and want a pricing call.\r\nThanks.`,
    website: "",
  };
}

/**
 * POSTs `fields` to `${base}/lead`. Options: `ip` (CF-Connecting-IP),
 * `json` (send JSON), `accept`, `origin` (default: base; null to omit),
 * `referer`, `contentType`, `body` (raw override), `method`.
 */
export async function postLead(base, fields, options = {}) {
  const {
    ip,
    json = false,
    accept,
    origin = base,
    referer,
    contentType,
    body,
    method = "POST",
  } = options;
  const headers = {};
  if (ip) headers["cf-connecting-ip"] = ip;
  if (origin !== null) headers.origin = origin;
  if (referer) headers.referer = referer;
  if (accept) headers.accept = accept;
  let payload = body;
  if (payload === undefined && method !== "GET" && method !== "HEAD") {
    payload = json ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
  }
  headers["content-type"] =
    contentType ?? (json ? "application/json" : "application/x-www-form-urlencoded");
  const response = await fetch(`${base}/lead`, {
    method,
    headers,
    body: payload,
    redirect: "manual",
  });
  const text = await response.text();
  return { response, text };
}
