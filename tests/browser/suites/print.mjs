// The pages a visitor is most likely to print or save as PDF (security,
// pricing, privacy) print cleanly: Chromium's own print to PDF produces a
// document, written to target/showcase/ for a person to look at, and under
// print media the site's chrome is gone, links say where they lead and no
// table row is split across two sheets.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { assertNoBrokenPromises, openWatchedContext } from '../support/browser.mjs';
import { showcaseDir } from '../support/showcase.mjs';
import { browser, site } from '../support/session.mjs';

const PRINTED = {
  security: '/security/',
  pricing: '/pricing/',
  privacy: '/privacy/',
};

/** What print media shows of a page: runs in the page. */
function printedLook() {
  const shown = (el) => getComputedStyle(el).display !== 'none';
  const chrome = [
    'header.site-header',
    'nav',
    '#consent-banner',
    'footer.site-footer',
    '.skip-link',
    '[data-consent-open]',
  ].flatMap((selector) => [...document.querySelectorAll(selector)].filter(shown).map(() => selector));
  const rows = [...document.querySelectorAll('tr')];
  const splittable = rows
    .filter((row) => getComputedStyle(row).breakInside !== 'avoid')
    .map((row) => row.textContent.trim().slice(0, 40));
  // Every link that leaves the page must print its address after its text.
  const silentLinks = [...document.querySelectorAll('main a[href]')]
    .filter((a) => !a.getAttribute('href').startsWith('#') && !a.getAttribute('href').startsWith('mailto:'))
    .filter((a) => a.checkVisibility())
    .filter((a) => !getComputedStyle(a, '::after').content.includes(a.getAttribute('href')))
    .map((a) => `${a.textContent.trim()} -> ${a.getAttribute('href')}`);
  return { chrome, rows: rows.length, splittable, silentLinks };
}

describe('print', () => {
  for (const [name, path] of Object.entries(PRINTED)) {
    test(`${path} prints without the site's chrome, with link addresses and whole table rows`, async () => {
      const { context, record } = await openWatchedContext(browser, site.origin);
      try {
        const page = await context.newPage();
        // A first visit: the banner is up, as it would be for a visitor
        // who prints straight away, and must not be printed.
        await page.goto(site.url(path), { waitUntil: 'networkidle' });
        await page.locator('#consent-banner').waitFor({ state: 'visible' });

        await page.emulateMedia({ media: 'print' });
        const look = await page.evaluate(printedLook);
        assert.deepEqual(look.chrome, [], `${path} prints its chrome`);
        assert.deepEqual(look.splittable, [], `${path} has table rows that may split across sheets`);
        assert.deepEqual(look.silentLinks, [], `${path} prints links without their address`);
        if (name !== 'pricing') assert.ok(look.rows > 1, `${path} is expected to print a table`);

        const pdf = await page.pdf({ format: 'A4', printBackground: true });
        assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-', `${path} did not print to a PDF`);
        const sheets = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)?.length ?? 0;
        assert.ok(sheets >= 1, `the PDF of ${path} has no page`);
        writeFileSync(join(showcaseDir(), `${name}.pdf`), pdf);
        assertNoBrokenPromises(page, record);
      } finally {
        await context.close();
      }
    });
  }
});
