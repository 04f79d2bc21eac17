// Launches Debian's Chromium through playwright-core and opens browser
// contexts that record every broken promise a page can show at runtime:
// Content-Security-Policy violations, failed requests and requests to any
// origin other than the site's own.

import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** Where Debian installs Chromium; `CHROMIUM_PATH` points elsewhere when needed. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// The flags keep Chromium offline and quiet: no background fetches, no
// component or sync traffic, so the only requests seen are the page's own.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Starts one headless Chromium for a whole test file. Playwright gives every
 * launch a fresh temporary user-data directory, so no state leaks between runs.
 */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. scripts/setup.sh installs Debian's ` +
        'chromium package; set CHROMIUM_PATH to use another build.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

// Runs in every document before the page's own scripts, so a violation that
// happens while the page loads is recorded too. Init scripts are injected by
// the browser itself and are not subject to the page's CSP. Each violation
// is reported to the test through a binding, so violations on documents the
// page has since navigated away from are kept.
function reportCspViolations() {
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__reportCspViolation({
      directive: event.effectiveDirective || event.violatedDirective,
      blocked: event.blockedURI,
      source: event.sourceFile,
      line: event.lineNumber,
      sample: event.sample,
    });
  });
}

/**
 * Opens a context whose pages are watched for runtime policy breaks.
 *
 * Every request to an origin other than `origin` is aborted before it leaves
 * the browser and recorded; every failed request and every response with a
 * status of 400 or more is recorded; CSP violations are collected both from
 * `securitypolicyviolation` events and from console messages that mention
 * the Content Security Policy (the console also reports violations that
 * never reach a document listener, such as blocked workers).
 *
 * @param {import('playwright-core').Browser} browser
 * @param {string} origin the site's origin, e.g. `http://127.0.0.1:8787`
 * @param {import('playwright-core').BrowserContextOptions} [options]
 */
export async function openWatchedContext(browser, origin, options = {}) {
  const context = await browser.newContext({ reducedMotion: 'reduce', ...options });
  const record = {
    cspViolations: [],
    foreignRequests: [],
    failedRequests: [],
    errorResponses: [],
    cspConsoleMessages: [],
    pageErrors: [],
  };

  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (isForeign(url, origin)) {
      record.foreignRequests.push(url);
      await route.abort('blockedbyclient');
      return;
    }
    await route.continue();
  });

  if (options.javaScriptEnabled !== false) {
    await context.exposeBinding('__reportCspViolation', (source, violation) => {
      record.cspViolations.push({ page: source.frame.url(), ...violation });
    });
    await context.addInitScript(reportCspViolations);
  }

  const watchPage = (page) => {
    page.on('requestfailed', (request) => {
      // Foreign requests are aborted on purpose and already recorded.
      if (isForeign(request.url(), origin)) return;
      record.failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) {
        record.errorResponses.push({
          url: response.url(),
          status: response.status(),
          method: response.request().method(),
        });
      }
    });
    page.on('console', (message) => {
      if (/content[- ]security[- ]policy/i.test(message.text())) {
        record.cspConsoleMessages.push(message.text());
      }
    });
    page.on('pageerror', (error) => record.pageErrors.push(String(error)));
  };
  context.on('page', watchPage);

  return { context, record };
}

/** Whether a URL leaves the site: any http(s) or ws(s) URL of another origin. */
function isForeign(url, origin) {
  const parsed = new URL(url);
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) return false;
  return parsed.origin !== origin;
}

/**
 * Fails with a readable list when the page or its context saw a CSP
 * violation, a failed request, an error response, a foreign request or an
 * uncaught script error. `allowErrorResponses` names URLs whose error status
 * is deliberate (the 404 page's own document, an invalid form post).
 * Everything is checked across all the documents the context has loaded.
 *
 * @param {import('playwright-core').Page} page
 * @param {Awaited<ReturnType<typeof openWatchedContext>>['record']} record
 * @param {{ allowErrorResponses?: string[] }} [options]
 */
export function assertNoBrokenPromises(page, record, { allowErrorResponses = [] } = {}) {
  const problems = [
    ...record.cspViolations.map(
      (v) => `CSP violation of ${v.directive} on ${v.page}: blocked ${v.blocked} (${v.source}:${v.line}) ${v.sample}`,
    ),
    ...record.cspConsoleMessages.map((text) => `console: ${text}`),
    ...record.foreignRequests.map((url) => `request to a foreign origin: ${url}`),
    ...record.failedRequests.map((text) => `failed request: ${text}`),
    ...record.errorResponses
      .filter(({ url }) => !allowErrorResponses.includes(url))
      .map(({ method, url, status }) => `HTTP ${status} for ${method} ${url}`),
    ...record.pageErrors.map((text) => `uncaught script error: ${text}`),
  ];
  if (problems.length > 0) {
    throw new Error(`${page.url()} broke ${problems.length} promise(s):\n  - ${problems.join('\n  - ')}`);
  }
}
