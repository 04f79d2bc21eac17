// Every page passes axe-core without a serious or critical violation, the
// consent banner and the lead form work from the keyboard alone, and every
// element reached with Tab shows where focus is.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  BLOCKING_IMPACTS,
  axeViolations,
  describeViolations,
  focusIndicators,
  showsFocus,
  tabUntil,
} from '../support/accessibility.mjs';
import { assertNoBrokenPromises, openWatchedContext } from '../support/browser.mjs';
import { BEACON_PATH, banner, settle, storedConsent, watchAnalyticsRequests } from '../support/consent.mjs';
import { asDistinctVisitor, leadForm, uniqueLead } from '../support/lead.mjs';
import { htmlPages } from '../support/pages.mjs';
import { browser, site } from '../support/session.mjs';

const pages = htmlPages();

describe('every page', () => {
  for (const { file, path } of pages) {
    test(`${path} (dist/${file})`, async (t) => {
      // Only this pass bypasses CSP, and only so axe itself can be injected;
      // every other test runs under the site's real policy.
      const context = await browser.newContext({ bypassCSP: true, reducedMotion: 'reduce' });
      try {
        const page = await context.newPage();
        await page.goto(site.url(path));
        await settle(page);

        await t.test('every element Tab reaches shows focus', async () => {
          const trail = await focusIndicators(page);
          assert.ok(trail.length > 0, `Tab reached nothing on ${path}`);
          const invisible = trail.filter((entry) => !showsFocus(entry));
          assert.deepEqual(
            invisible,
            [],
            `${invisible.length} element(s) on ${path} show no focus ring (outline or box-shadow)`,
          );
        });

        await t.test('axe-core finds no serious or critical violation', async () => {
          const blocking = (await axeViolations(page)).filter((v) => BLOCKING_IMPACTS.includes(v.impact));
          assert.equal(
            blocking.length,
            0,
            `axe-core found ${blocking.length} serious or critical violation(s) on ${path}:\n${describeViolations(blocking)}`,
          );
        });
      } finally {
        await context.close();
      }
    });
  }
});

describe('keyboard', () => {
  for (const key of ['Enter', 'Space']) {
    test(`Tab from the top reaches the banner buttons and ${key} accepts`, async () => {
      const { context, record } = await openWatchedContext(browser, site.origin);
      try {
        const analytics = watchAnalyticsRequests(context);
        const page = await context.newPage();
        await page.goto(site.url('/'));
        await settle(page);
        await banner(page).waitFor({ state: 'visible' });

        const toReject = await tabUntil(page, '#consent-banner [data-consent="reject"]');
        assert.ok(toReject.reached, `Tab never reached Reject; focus went:\n  ${toReject.visited.join('\n  ')}`);
        await page.keyboard.press('Shift+Tab');
        assert.ok(
          await page.evaluate(() => document.activeElement?.matches('#consent-banner [data-consent="accept"]')),
          'Shift+Tab from Reject must reach Accept',
        );

        const beacon = page.waitForRequest((r) => new URL(r.url()).pathname === BEACON_PATH);
        await page.keyboard.press(key);
        await beacon;
        await settle(page);
        assert.equal((await storedConsent(page))?.choice, 'accept', `${key} on Accept must record consent`);
        assert.ok(await banner(page).isHidden(), 'the banner must close after Accept');
        assert.equal(analytics.beacons.length, 1);
        await assertNoBrokenPromises(page, record);
      } finally {
        await context.close();
      }
    });
  }

  test('the lead form can be filled and submitted with the keyboard alone', async () => {
    const { context, record } = await openWatchedContext(browser, site.origin, asDistinctVisitor());
    try {
      const page = await context.newPage();
      await page.goto(site.url('/contact/'), { waitUntil: 'networkidle' });
      const lead = uniqueLead('keyboard');
      for (const [name, value] of Object.entries(lead)) {
        const walk = await tabUntil(page, `form[action="/lead"] [name="${name}"]`);
        assert.ok(walk.reached, `Tab never reached the ${name} field; focus went:\n  ${walk.visited.join('\n  ')}`);
        assert.ok(!walk.visited.some((d) => d.includes('name=website')), 'Tab must skip the honeypot');
        await page.keyboard.type(value);
      }
      const walk = await tabUntil(page, 'form[action="/lead"] [type="submit"], form[action="/lead"] button:not([type])');
      assert.ok(walk.reached, `Tab never reached the submit button; focus went:\n  ${walk.visited.join('\n  ')}`);
      assert.ok(!walk.visited.some((d) => d.includes('name=website')), 'Tab must skip the honeypot');
      await Promise.all([
        page.waitForNavigation({ url: (url) => url.pathname === '/contact/thanks/' }),
        page.keyboard.press('Enter'),
      ]);
      const stored = await site.leadsWithEmail(lead.email);
      assert.equal(stored.length, 1, 'the lead submitted by keyboard was not stored');
      assert.equal(stored[0].name, lead.name);
      assert.ok(await leadForm(page).count() === 0, 'the thank-you page is not the form');
      await assertNoBrokenPromises(page, record);
    } finally {
      await context.close();
    }
  });
});
