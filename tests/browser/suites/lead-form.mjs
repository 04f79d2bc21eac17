// The lead form on /contact/ works with and without JavaScript: a real
// submission lands on the thank-you page and the lead is in D1; an invalid
// one shows the error page with the mailto fallback; the honeypot pretends
// success and stores nothing.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';

import { assertNoBrokenPromises, openWatchedContext } from '../support/browser.mjs';
import {
  asDistinctVisitor,
  assertLandedOnThanks,
  fillLeadForm,
  isVisuallyHidden,
  leadForm,
  submitAndLand,
  submitButton,
  uniqueLead,
} from '../support/lead.mjs';
import { SALES_MAILTO } from '../support/pages.mjs';
import { browser, site } from '../support/session.mjs';

/** Runs `body` with a page in a fresh context of a visitor of its own. */
async function withVisitor(options, body) {
  const { context, record } = await openWatchedContext(browser, site.origin, { ...asDistinctVisitor(), ...options });
  try {
    const page = await context.newPage();
    await body(page, record);
  } finally {
    await context.close();
  }
}

describe('lead form', () => {
  test('the contact page has the contract form and a visible mailto fallback', async () => {
    await withVisitor({}, async (page, record) => {
      await page.goto(site.url('/contact/'), { waitUntil: 'networkidle' });
      const form = leadForm(page);
      assert.equal(await form.count(), 1, 'the contact page must have exactly one lead form');
      assert.equal((await form.getAttribute('method'))?.toLowerCase(), 'post');

      const expected = {
        name: { required: true, maxLength: 100 },
        email: { required: true, maxLength: 254 },
        company: { required: false, maxLength: 200 },
        message: { required: true, maxLength: 5000 },
      };
      for (const [name, { required, maxLength }] of Object.entries(expected)) {
        const field = form.locator(`[name="${name}"]`);
        assert.equal(await field.count(), 1, `the form must have one ${name} field`);
        assert.ok(await field.isVisible(), `the ${name} field must be visible`);
        assert.equal(await field.evaluate(isVisuallyHidden), false, `the ${name} field must be in view`);
        assert.equal(await field.evaluate((el) => el.required), required, `required on ${name}`);
        assert.equal(await field.evaluate((el) => el.maxLength), maxLength, `maxlength on ${name}`);
        const label = await field.evaluate((el) => [...el.labels].map((l) => l.textContent.trim()).join(' '));
        assert.ok(label.length > 0, `the ${name} field must have a label`);
      }

      const honeypot = form.locator('[name="website"]');
      assert.equal(await honeypot.count(), 1, 'the honeypot field is missing');
      assert.ok(
        await honeypot.evaluate(isVisuallyHidden),
        'the honeypot must be hidden from sight (not rendered, off-screen or clipped to a pixel)',
      );
      assert.equal(await honeypot.getAttribute('tabindex'), '-1');
      assert.equal(await honeypot.getAttribute('autocomplete'), 'off');
      assert.ok(
        await honeypot.evaluate((el) => el.closest('[aria-hidden="true"]') !== null),
        'the honeypot must sit inside an aria-hidden wrapper',
      );

      const fallback = page.locator('main').locator(`a[href="${SALES_MAILTO}"]`);
      assert.ok((await fallback.count()) >= 1, `the contact page must link ${SALES_MAILTO} in its main content`);
      assert.ok(await fallback.first().isVisible(), 'the mailto fallback must be visible');
      assert.match(await fallback.first().textContent(), /\S/, 'the mailto fallback needs link text');

      assertNoBrokenPromises(page, record);
    });
  });

  for (const javaScriptEnabled of [true, false]) {
    const scripts = javaScriptEnabled ? 'on' : 'off';
    test(`a valid lead submitted with JavaScript ${scripts} lands on the thank-you page and is stored`, async () => {
      await withVisitor({ javaScriptEnabled }, async (page, record) => {
        const lead = uniqueLead(javaScriptEnabled ? 'js-on' : 'js-off');
        await page.goto(site.url('/contact/'), { waitUntil: 'networkidle' });
        await fillLeadForm(page, lead);
        await assertLandedOnThanks(await submitAndLand(page, () => submitButton(page).click(), '/contact/thanks/'));
        assert.match(
          (await page.locator('meta[name="robots"]').getAttribute('content')) ?? '',
          /noindex/,
          'the thank-you page must be noindex',
        );

        const stored = await site.leadsWithEmail(lead.email);
        assert.equal(stored.length, 1, `expected one stored lead for the submission, found ${stored.length}`);
        // Form submission sends textarea line breaks as CRLF, as HTML requires.
        const { name, email, company, message } = stored[0];
        assert.deepEqual({ name, email, company, message: message?.replaceAll('\r\n', '\n') }, lead);
        assertNoBrokenPromises(page, record);
      });
    });
  }

  test('an invalid submission shows the error page with the mailto fallback and stores nothing', async () => {
    await withVisitor({}, async (page, record) => {
      const lead = { ...uniqueLead('invalid'), email: `not-an-address-${randomUUID()}` };
      await page.goto(site.url('/contact/'), { waitUntil: 'networkidle' });
      // The browser's own checks would stop this submission; the server's
      // must hold on their own, so the form is told not to validate.
      await leadForm(page).evaluate((form) => {
        form.noValidate = true;
      });
      await fillLeadForm(page, lead);
      const response = await submitAndLand(page, () => submitButton(page).click(), '/lead');
      assert.ok(
        response.status() >= 400 && response.status() < 500,
        `an invalid lead must get a client error, got ${response.status()}`,
      );
      const fallback = page.locator(`a[href="${SALES_MAILTO}"]`);
      assert.ok(await fallback.first().isVisible(), `the error page must show a visible ${SALES_MAILTO} link`);
      assert.deepEqual(await site.leadsWithEmail(lead.email), [], 'an invalid lead must not be stored');
      assertNoBrokenPromises(page, record, { allowErrorResponses: [site.url('/lead')] });
    });
  });

  test('a filled honeypot pretends success and stores nothing', async () => {
    await withVisitor({}, async (page, record) => {
      const lead = uniqueLead('honeypot');
      await page.goto(site.url('/contact/'), { waitUntil: 'networkidle' });
      await fillLeadForm(page, lead);
      // Bots fill every field; a person never sees this one.
      await leadForm(page).locator('[name="website"]').evaluate((input) => {
        input.value = 'https://spam.example/';
      });
      await assertLandedOnThanks(await submitAndLand(page, () => submitButton(page).click(), '/contact/thanks/'));
      assert.deepEqual(await site.leadsWithEmail(lead.email), [], 'a honeypot submission must not be stored');
      assertNoBrokenPromises(page, record);
    });
  });
});
