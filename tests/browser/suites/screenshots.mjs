// Full-page screenshots of the key pages and of the consent banner, at a
// desktop and a mobile size, written to tests/browser/screenshots/ so a
// person can look at them. Each page is also checked not to scroll
// sideways, the most common way a layout breaks on a phone.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertNoBrokenPromises, openWatchedContext } from '../support/browser.mjs';
import { banner, settle } from '../support/consent.mjs';
import { browser, site } from '../support/session.mjs';

/** Where the screenshots go; each run overwrites the same file names. */
const SCREENSHOT_DIR = fileURLToPath(new URL('../screenshots/', import.meta.url));

const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 800 } },
  mobile: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 },
};

const PAGES = {
  home: '/',
  pricing: '/pricing/',
  security: '/security/',
  contact: '/contact/',
};

/** Fails when the page is wider than the viewport, i.e. scrolls sideways. */
async function assertNoSidewaysScroll(page, label) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `${label} is ${scrollWidth}px wide in a ${innerWidth}px viewport`);
}

describe('screenshots', () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });

  for (const [size, options] of Object.entries(VIEWPORTS)) {
    test(`the key pages at ${size} size, with the choice made`, async () => {
      const { context, record } = await openWatchedContext(browser, site.origin, options);
      try {
        const page = await context.newPage();
        // Answer the banner once, so the page shots show the pages themselves.
        await page.goto(site.url('/'));
        await settle(page);
        await banner(page).getByRole('button', { name: 'Reject analytics' }).click();
        for (const [name, path] of Object.entries(PAGES)) {
          await page.goto(site.url(path), { waitUntil: 'networkidle' });
          assert.ok(await banner(page).isHidden(), `the banner still shows on ${path} after a choice`);
          await assertNoSidewaysScroll(page, `${path} at ${size} size`);
          await page.screenshot({
            path: join(SCREENSHOT_DIR, `${name}-${size}.png`),
            fullPage: true,
            animations: 'disabled',
          });
        }
        assertNoBrokenPromises(page, record);
      } finally {
        await context.close();
      }
    });

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
