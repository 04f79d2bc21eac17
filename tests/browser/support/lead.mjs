// The lead form on /contact/ and the test leads submitted through it.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

/** The lead form: the one form that posts to /lead. */
export function leadForm(page) {
  return page.locator('form[action="/lead"]');
}

/** The lead form's submit button. */
export function submitButton(page) {
  return leadForm(page).locator('button[type="submit"], input[type="submit"], button:not([type])');
}

/**
 * A made-up lead whose email address is unique to this run, so the stored
 * row can be found again without relying on what earlier tests stored.
 */
export function uniqueLead(tag) {
  const id = randomUUID();
  return {
    name: `Test Visitor ${tag}`,
    email: `visitor.${tag}.${id}@example.com`,
    company: `Example Co ${tag}`,
    message: `Browser test lead ${id}: please call about named instances.\nSecond line of the message.`,
  };
}

/** Types each field of `lead` into the lead form. */
export async function fillLeadForm(page, lead) {
  const form = leadForm(page);
  for (const [name, value] of Object.entries(lead)) {
    await form.locator(`[name="${name}"]`).fill(value);
  }
}

/**
 * Whether an element is out of a sighted visitor's view, by any of the ways
 * CSS hides things while keeping them in the form: not rendered at all,
 * placed entirely off the page, or itself or an ancestor clipped to at most
 * one pixel. Runs in the page.
 *
 * @param {Element} element
 */
export function isVisuallyHidden(element) {
  if (!element.checkVisibility({ visibilityProperty: true, opacityProperty: true })) return true;
  const rect = element.getBoundingClientRect();
  if (rect.right + window.scrollX <= 0 || rect.bottom + window.scrollY <= 0) return true;
  for (let node = element; node instanceof Element; node = node.parentElement) {
    const box = node.getBoundingClientRect();
    const clips = getComputedStyle(node).overflow !== 'visible' || getComputedStyle(node).clipPath !== 'none';
    if (clips && box.width <= 1 && box.height <= 1) return true;
  }
  return false;
}

let visitorCount = 0;

/**
 * Context options that give a browser its own client address, the way
 * Cloudflare sets `CF-Connecting-IP` for each visitor. Locally every request
 * comes from loopback, so without this all the suite's submissions would
 * share one rate-limit bucket and a later test could be refused because of
 * an earlier one. The addresses come from TEST-NET-3 (RFC 5737).
 */
export function asDistinctVisitor() {
  visitorCount += 1;
  return { extraHTTPHeaders: { 'CF-Connecting-IP': `203.0.113.${visitorCount}` } };
}

/**
 * Runs `submit` and waits until the page shows the document at `pathname`.
 * Resolves to the response that delivered that document: the answer to the
 * post itself, or the page a redirect pointed at (whose request then knows
 * the request it was redirected from).
 *
 * @param {import('playwright-core').Page} page
 * @param {() => Promise<unknown>} submit
 * @param {string} pathname
 */
export async function submitAndLand(page, submit, pathname) {
  const delivered = page.waitForResponse(
    (response) =>
      response.request().isNavigationRequest() &&
      response.frame() === page.mainFrame() &&
      new URL(response.url()).pathname === pathname,
  );
  await submit();
  const response = await delivered;
  await page.waitForURL((url) => url.pathname === pathname);
  return response;
}

/** Fails unless `landed` is the thank-you page reached by a 303 from `POST /lead`. */
export async function assertLandedOnThanks(landed) {
  assert.equal(landed.status(), 200, 'the thank-you page must load');
  assert.equal(new URL(landed.url()).pathname, '/contact/thanks/');
  const post = landed.request().redirectedFrom();
  assert.ok(post, 'the thank-you page must be reached by a redirect from the post');
  assert.equal(`${post.method()} ${new URL(post.url()).pathname}`, 'POST /lead');
  assert.equal((await post.response())?.status(), 303, 'a stored lead is answered 303 See Other');
}
