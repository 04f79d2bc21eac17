// The browser suite against the built site, served by one `wrangler dev`
// (static assets with their `_headers`, the Worker, a local D1) and driven
// in one headless Chromium. Each suite module registers its tests; the
// shared session starts before the first and stops after the last. Run a
// single suite with `--test-name-pattern`, e.g. `--test-name-pattern=consent`.

import './suites/pages.mjs';
import './suites/consent.mjs';
import './suites/lead-form.mjs';
import './suites/accessibility.mjs';
import './suites/news.mjs';
import './suites/screenshots.mjs';
import './suites/layout.mjs';
import './suites/print.mjs';
import './suites/budgets.mjs';
