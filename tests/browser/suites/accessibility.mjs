// Every page passes axe-core without a serious or critical violation, in
// the light and the dark colour scheme; the consent banner and the lead
// form work from the keyboard alone, and every element reached with Tab
// shows where focus is.

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
import {
  asDistinctVisitor,
  assertLandedOnThanks,
  fillLeadForm,
  leadForm,
  submitAndLand,
  submitButton,
  uniqueLead,
} from '../support/lead.mjs';
import { htmlPages } from '../support/pages.mjs';
import { browser, site } from '../support/session.mjs';

const pages = htmlPages();

/** The colour schemes a visitor's system can ask for. */
const COLOR_SCHEMES = ['light', 'dark'];

describe('every page', { concurrency: 3 }, () => {
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

        // Both colour schemes, each with the consent banner showing: the
        // page is judged in the palette a visitor's system asks for.
        for (const scheme of COLOR_SCHEMES) {
          await t.test(`axe-core finds no serious or critical violation in the ${scheme} scheme`, async () => {
            await page.emulateMedia({ colorScheme: scheme });
            const applied = await page.evaluate(
              (wanted) => window.matchMedia(`(prefers-color-scheme: ${wanted})`).matches,
              scheme,
            );
            assert.ok(applied, `the page does not see prefers-color-scheme: ${scheme}`);
            const blocking = (await axeViolations(page)).filter((v) => BLOCKING_IMPACTS.includes(v.impact));
            const found = `axe-core found ${blocking.length} serious or critical violation(s) on ${path} (${scheme})`;
            assert.equal(blocking.length, 0, `${found}:\n${describeViolations(blocking)}`);
          });
        }
      } finally {
        await context.close();
      }
    });
  }

  test('the dark scheme changes the palette, so both passes judge different colours', async () => {
    const context = await browser.newContext({ reducedMotion: 'reduce' });
    try {
      const page = await context.newPage();
      await page.goto(site.url('/'));
      const colours = {};
      for (const scheme of COLOR_SCHEMES) {
        await page.emulateMedia({ colorScheme: scheme });
        colours[scheme] = await page.evaluate(() => {
          const body = getComputedStyle(document.body);
          return `${body.color} on ${body.backgroundColor}`;
        });
      }
      assert.notEqual(colours.light, colours.dark, 'the body text looks the same in both schemes');
    } finally {
      await context.close();
    }
  });
});

describe("the Worker's error page", () => {
  test('an invalid lead is answered with a page axe-core finds no serious or critical violation on', async () => {
    const context = await browser.newContext({ bypassCSP: true, reducedMotion: 'reduce', ...asDistinctVisitor() });
    try {
      const page = await context.newPage();
      await page.goto(site.url('/contact/'));
      await settle(page);
      await leadForm(page).evaluate((form) => {
        form.noValidate = true;
      });
      await fillLeadForm(page, { ...uniqueLead('error-page'), email: 'not-an-address' });
      const answer = await submitAndLand(page, () => submitButton(page).click(), '/lead');
      assert.ok(answer.status() >= 400, `an invalid lead must be refused, got ${answer.status()}`);
      const blocking = (await axeViolations(page)).filter((v) => BLOCKING_IMPACTS.includes(v.impact));
      const found = `axe-core found ${blocking.length} serious or critical violation(s) on the error page`;
      assert.equal(blocking.length, 0, `${found}:\n${describeViolations(blocking)}`);
    } finally {
      await context.close();
    }
  });
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
        assert.ok(
          await page.evaluate(() => document.activeElement !== null && document.activeElement !== document.body),
          'closing the banner must hand focus to an element, not drop it to the page',
        );
        assert.equal(analytics.beacons.length, 1);
        assertNoBrokenPromises(page, record);
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
      // From the top, Tab leads to the first field; from then on each field,
      // and finally the submit button, is exactly one Tab further on, which
      // also shows the honeypot is never in the way.
      const steps = [
        ...Object.keys(lead).map((name) => [`the ${name} field`, `form[action="/lead"] [name="${name}"]`]),
        ['the submit button', 'form[action="/lead"] [type="submit"], form[action="/lead"] button:not([type])'],
      ];
      for (const [index, [label, selector]] of steps.entries()) {
        const walk = await tabUntil(page, selector, index === 0 ? 100 : 1);
        assert.ok(walk.reached, `Tab did not lead to ${label}; focus went:\n  ${walk.visited.join('\n  ')}`);
        const name = selector.match(/\[name="(\w+)"\]/)?.[1];
        if (name) await page.keyboard.type(lead[name]);
      }
      await assertLandedOnThanks(await submitAndLand(page, () => page.keyboard.press('Enter'), '/contact/thanks/'));
      const stored = await site.leadsWithEmail(lead.email);
      assert.equal(stored.length, 1, 'the lead submitted by keyboard was not stored');
      assert.equal(stored[0].name, lead.name);
      assert.equal(await leadForm(page).count(), 0, 'the thank-you page must not show the form again');
      assertNoBrokenPromises(page, record);
    } finally {
      await context.close();
    }
  });
});
