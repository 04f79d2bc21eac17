// The detectors the whole suite trusts to see a broken promise are first
// shown to catch each kind of break on hand-made pages served by a tiny
// local server: an inline script under a strict CSP, a request to a foreign
// origin, a reference to a file that does not exist, a focus ring removed
// by CSS and an accessibility failure axe-core must flag.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { axeViolations, focusIndicators, showsFocus } from './support/accessibility.mjs';
import { launchBrowser, openWatchedContext } from './support/browser.mjs';

const STRICT_CSP = "default-src 'none'; script-src 'self'; img-src 'self'";

const ROUTES = {
  '/clean': {
    csp: STRICT_CSP,
    body: '<!doctype html><title>clean</title><script src="/app.js"></script><p>ok</p>',
  },
  '/app.js': { type: 'text/javascript', body: 'document.documentElement.dataset.ran = "yes";' },
  '/inline': {
    csp: STRICT_CSP,
    body: '<!doctype html><title>inline</title><script>document.title = "ran";</script>',
  },
  '/foreign': {
    body: '<!doctype html><title>foreign</title><img alt="" src="https://tracker.example/pixel.gif">',
  },
  '/no-focus-ring': {
    csp: STRICT_CSP.replace("img-src 'self'", "img-src 'self'; style-src 'self'"),
    body:
      '<!doctype html><html lang="en"><title>focus</title><link rel="stylesheet" href="/no-ring.css">' +
      '<a href="/clean">kept ring</a> <button type="button" class="bare">no ring</button>',
  },
  '/no-ring.css': { type: 'text/css', body: '.bare:focus, .bare:focus-visible { outline: none; box-shadow: none; }' },
  '/unlabelled': {
    body:
      '<!doctype html><html lang="en"><title>axe</title>' +
      '<main><img src="/logo.png"><button type="button"></button></main>',
  },
  '/broken': {
    body: '<!doctype html><title>broken</title><img alt="" src="/missing.png">',
  },
};

let server;
let origin;
let browser;

before(async () => {
  server = createServer((request, response) => {
    const route = ROUTES[new URL(request.url, 'http://localhost').pathname];
    if (!route) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const headers = { 'content-type': route.type ?? 'text/html; charset=utf-8' };
    if (route.csp) headers['content-security-policy'] = route.csp;
    response.writeHead(200, headers).end(route.body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve) ?? resolve());
});

describe('page guard', () => {
  test('records nothing on a page that keeps every promise', async () => {
    const { context, record } = await openWatchedContext(browser, origin);
    const page = await context.newPage();
    await page.goto(`${origin}/clean`, { waitUntil: 'networkidle' });
    assert.equal(await page.evaluate(() => document.documentElement.dataset.ran), 'yes');
    assert.deepEqual(record, {
      cspViolations: [],
      foreignRequests: [],
      failedRequests: [],
      errorResponses: [],
      cspConsoleMessages: [],
      pageErrors: [],
    });
    await context.close();
  });

  test('sees an inline script blocked by the CSP, as event and as console message', async () => {
    const { context, record } = await openWatchedContext(browser, origin);
    const page = await context.newPage();
    await page.goto(`${origin}/inline`, { waitUntil: 'networkidle' });
    assert.equal(await page.title(), 'inline', 'the inline script must not have run');
    const violations = record.cspViolations;
    assert.equal(violations.length, 1, JSON.stringify(violations));
    assert.match(violations[0].directive, /^script-src/);
    assert.equal(violations[0].blocked, 'inline');
    assert.equal(violations[0].page, `${origin}/inline`);
    assert.equal(record.cspConsoleMessages.length, 1, record.cspConsoleMessages.join('\n'));

    // Moving on to a clean page must not forget what the previous one did.
    await page.goto(`${origin}/clean`, { waitUntil: 'networkidle' });
    assert.equal(record.cspViolations.length, 1);
    await context.close();
  });

  test('aborts and records a request to another origin before it leaves the browser', async () => {
    const { context, record } = await openWatchedContext(browser, origin);
    const page = await context.newPage();
    await page.goto(`${origin}/foreign`, { waitUntil: 'networkidle' });
    assert.deepEqual(record.foreignRequests, ['https://tracker.example/pixel.gif']);
    assert.deepEqual(record.failedRequests, [], 'an aborted foreign request is not also a failure');
    await context.close();
  });

  test('records a reference that answers 404', async () => {
    const { context, record } = await openWatchedContext(browser, origin);
    const page = await context.newPage();
    await page.goto(`${origin}/broken`, { waitUntil: 'networkidle' });
    assert.deepEqual(record.errorResponses, [
      { url: `${origin}/missing.png`, status: 404, method: 'GET' },
    ]);
    await context.close();
  });

  test('records nothing from scripts when JavaScript is off, yet still sees foreign requests', async () => {
    const { context, record } = await openWatchedContext(browser, origin, { javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${origin}/foreign`, { waitUntil: 'networkidle' });
    assert.deepEqual(record.foreignRequests, ['https://tracker.example/pixel.gif']);
    await context.close();
  });
});

describe('accessibility checks', () => {
  test('the focus walk tells a kept focus ring from one removed by CSS', async () => {
    const { context, record } = await openWatchedContext(browser, origin);
    const page = await context.newPage();
    await page.goto(`${origin}/no-focus-ring`, { waitUntil: 'networkidle' });
    const trail = await focusIndicators(page);
    assert.deepEqual(
      trail.map((entry) => [entry.element, showsFocus(entry)]),
      [
        ['<a> kept ring', true],
        ['<button.bare> no ring', false],
      ],
    );
    assert.deepEqual(record.cspViolations, [], 'the walk itself must not trip the CSP');
    assert.deepEqual(record.cspConsoleMessages, []);
    await context.close();
  });

  test('axe-core flags an image without alt text and a button without a name', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${origin}/unlabelled`);
    const ids = (await axeViolations(page)).map((v) => `${v.id}:${v.impact}`).sort();
    assert.ok(ids.includes('button-name:critical'), ids.join(', '));
    assert.ok(ids.includes('image-alt:critical'), ids.join(', '));
    await context.close();
  });
});
