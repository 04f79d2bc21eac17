// Every HTML page of the built bundle, served through `wrangler dev`, loads
// under the enforced Content-Security-Policy without a single violation, a
// failed request or a request to any origin other than the site's own.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { assertNoBrokenPromises, openWatchedContext } from '../support/browser.mjs';
import { htmlPages } from '../support/pages.mjs';
import { browser, site } from '../support/session.mjs';

const pages = htmlPages();

describe('every page in dist/', () => {
  test('the bundle has the routes the site promises', () => {
    const paths = pages.map(({ file }) => file);
    for (const file of [
      'index.html',
      'product/index.html',
      'pricing/index.html',
      'security/index.html',
      'contact/index.html',
      'contact/thanks/index.html',
      'privacy/index.html',
      '404.html',
      'console/index.html',
    ]) {
      assert.ok(paths.includes(file), `dist/${file} is missing; pages found: ${paths.join(', ')}`);
    }
  });

  for (const { file, path, notFound } of pages) {
    test(`${path} (dist/${file}) loads with no CSP violation, failed or foreign request`, async () => {
      const { context, record } = await openWatchedContext(browser, site.origin);
      try {
        const page = await context.newPage();
        const response = await page.goto(site.url(path), { waitUntil: 'networkidle' });
        assert.ok(response, `no response for ${path}`);
        assert.equal(response.status(), notFound ? 404 : 200, `status of ${path}`);

        // Zero violations only means something when a strict policy is enforced.
        const csp = (await response.allHeaders())['content-security-policy'] ?? '';
        assert.match(csp, /default-src 'none'/, `${path} is served without the site's CSP`);
        assert.match(csp, /script-src 'self'/, `${path} is served without the site's CSP`);

        assertNoBrokenPromises(page, record, {
          allowErrorResponses: notFound ? [response.url()] : [],
        });
      } finally {
        await context.close();
      }
    });
  }

  test('after accepting analytics, the analytics script and beacon keep the policy too', async () => {
    const { context, record } = await openWatchedContext(browser, site.origin);
    try {
      const page = await context.newPage();
      await page.goto(site.url('/'), { waitUntil: 'networkidle' });
      const beacon = page.waitForResponse((r) => new URL(r.url()).pathname === '/a/event');
      await page.getByRole('button', { name: 'Accept analytics' }).click();
      await beacon;
      await page.waitForLoadState('networkidle');
      assertNoBrokenPromises(page, record);
    } finally {
      await context.close();
    }
  });
});
