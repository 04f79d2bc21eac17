// Every page at every width a visitor brings, from a 320px phone to a
// 1920px desktop: nothing scrolls sideways, no content or table cell is
// cut off, tables stack into labelled cards on phones, and on wide screens the layout uses the width rather than
// leaving the right third of the page empty.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  STACKED_UP_TO,
  WIDTHS,
  emptyRightThirdProblems,
  horizontalProblems,
  stackedTableProblems,
} from '../support/layout.mjs';
import { htmlPages } from '../support/pages.mjs';
import { browser, site } from '../support/session.mjs';

const pages = htmlPages();

/** Widths from which the layout must fill the content column. */
const DESKTOP_FROM = 1024;

describe('every width', { concurrency: 4 }, () => {
  for (const { file, path } of pages) {
    test(`${path} (dist/${file}) at ${WIDTHS.join(', ')}px`, async () => {
      // A first visit, so the consent banner is part of the page as well.
      // A plain context: the policy checks of the pages suite would only
      // slow the loads down here. The page loads once and is then resized:
      // media queries and layout follow the viewport as they do when a
      // window is resized or a tablet turned.
      const context = await browser.newContext({
        viewport: { width: WIDTHS[0], height: 900 },
        reducedMotion: 'reduce',
      });
      try {
        const page = await context.newPage();
        await page.goto(site.url(path), { waitUntil: 'load' });
        const problems = [];
        for (const width of WIDTHS) {
          await page.setViewportSize({ width, height: 900 });
          const found = await page.evaluate(horizontalProblems);
          if (width <= STACKED_UP_TO) found.push(...(await page.evaluate(stackedTableProblems)));
          if (width >= DESKTOP_FROM) found.push(...(await page.evaluate(emptyRightThirdProblems)));
          problems.push(...found.map((problem) => `${width}px: ${problem}`));
        }
        assert.deepEqual(problems, [], `${problems.length} layout problem(s) on ${path}`);
      } finally {
        await context.close();
      }
    });
  }
});
