// Full-page screenshots of every page at phone (375px), tablet (768px) and
// desktop (1280px) widths, in the light and the dark colour scheme, and of
// the consent banner, written to target/showcase/screenshots/ so a person
// can look at them. Every page is also checked not to scroll sideways and
// to load without a CSP violation in each of them.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { assertNoBrokenPromises, openWatchedContext } from '../support/browser.mjs';
import { banner, settle } from '../support/consent.mjs';
import { htmlPages } from '../support/pages.mjs';
import { browser, site } from '../support/session.mjs';
import { pageName, showcaseDir } from '../support/showcase.mjs';

const pages = htmlPages();

/** Where the screenshots go; each run overwrites the same file names. */
const SCREENSHOT_DIR = showcaseDir('screenshots');

const SIZES = {
  phone: { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 },
  tablet: { viewport: { width: 768, height: 1024 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 },
  desktop: { viewport: { width: 1280, height: 800 } },
};

const SCHEMES = ['light', 'dark'];

/** Fails when the page is wider than the viewport, i.e. scrolls sideways. */
async function assertNoSidewaysScroll(page, label) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `${label} is ${scrollWidth}px wide in a ${innerWidth}px viewport`);
}

describe('screenshots', { concurrency: 3 }, () => {
  for (const [size, options] of Object.entries(SIZES)) {
    for (const scheme of SCHEMES) {
      test(`every page at ${size} size in the ${scheme} scheme, with the choice made`, async () => {
        const { context, record } = await openWatchedContext(browser, site.origin, {
          ...options,
          colorScheme: scheme,
        });
        try {
          const page = await context.newPage();
          // Answer the banner once, so the page shots show the pages themselves.
          await page.goto(site.url('/'));
          await settle(page);
          await banner(page).getByRole('button', { name: 'Reject analytics' }).click();
          const notFound = [];
          for (const entry of pages) {
            // Every request settled, the icons included: a request still in
            // flight when the next page loads would be cut off and recorded.
            const response = await page.goto(site.url(entry.path), { waitUntil: 'networkidle' });
            if (entry.notFound) notFound.push(response.url());
            assert.ok(await banner(page).isHidden(), `the banner still shows on ${entry.path} after a choice`);
            await assertNoSidewaysScroll(page, `${entry.path} at ${size} size (${scheme})`);
            await page.screenshot({
              path: join(SCREENSHOT_DIR, `${pageName(entry)}-${size}-${scheme}.png`),
              fullPage: true,
              animations: 'disabled',
            });
          }
          assertNoBrokenPromises(page, record, { allowErrorResponses: notFound });
        } finally {
          await context.close();
        }
      });
    }

    test(`the consent banner at ${size} size`, async () => {
      const { context, record } = await openWatchedContext(browser, site.origin, options);
      try {
        const page = await context.newPage();
        await page.goto(site.url('/'));
        await settle(page);
        await banner(page).waitFor({ state: 'visible' });
        await assertNoSidewaysScroll(page, `/ with the banner at ${size} size`);
        const box = await banner(page).boundingBox();
        assert.ok(box && box.width > 0 && box.height > 0, 'the banner has no size');
        await page.screenshot({
          path: join(SCREENSHOT_DIR, `banner-${size}.png`),
          fullPage: true,
          animations: 'disabled',
        });
        await banner(page).screenshot({
          path: join(SCREENSHOT_DIR, `banner-${size}-close-up.png`),
          animations: 'disabled',
        });
        assertNoBrokenPromises(page, record);
      } finally {
        await context.close();
      }
    });
  }
});
