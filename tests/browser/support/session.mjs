// One `wrangler dev` and one Chromium for the whole browser run.
//
// Starting `wrangler dev` (migrations, workerd) costs several seconds, so the
// suites share one. Importing this module registers the hooks that start
// both before the first test and stop them after the last; `site` and
// `browser` are live bindings, set once the session has started. Every test
// still opens its own browser context, so no cookie, storage or consent
// choice leaks from one test into another.

import { after, before } from 'node:test';

import { launchBrowser } from './browser.mjs';
import { startSite } from './site.mjs';

/** The site served by `wrangler dev`; see `startSite`. */
export let site;

/** The shared headless Chromium. */
export let browser;

before(async () => {
  [site, browser] = await Promise.all([startSite(), launchBrowser()]);
});

after(async () => {
  await browser?.close();
  await site?.stop();
});
