// The news section as a visitor uses it: five posts a page, newest first,
// pages linked both ways with visible links and `rel` links in the head,
// the latest three posts on the home page, tags that lead to their posts,
// and an Atom feed that is served from the site itself.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { assertNoBrokenPromises, openWatchedContext } from '../support/browser.mjs';
import { banner, settle } from '../support/consent.mjs';
import { browser, site } from '../support/session.mjs';

/**
 * A page at `path` with the consent choice already made, so the banner
 * pinned to the bottom of the viewport covers no link the test clicks.
 */
async function openAnswered(context, path) {
  const page = await context.newPage();
  await page.goto(site.url('/'));
  await settle(page);
  await banner(page).getByRole('button', { name: 'Reject analytics' }).click();
  await page.goto(site.url(path), { waitUntil: 'networkidle' });
  return page;
}

/** The post links of the listing on the current page, in order. */
async function listedPosts(page) {
  return page.locator('.post-list .post-list__title a').evaluateAll((links) =>
    links.map((link) => new URL(link.href).pathname),
  );
}

/** The `href` of the head's `<link rel=…>`, or null. */
async function headLink(page, rel) {
  const link = page.locator(`head link[rel="${rel}"]`);
  return (await link.count()) === 0 ? null : link.first().getAttribute('href');
}

/** The dates of the listed posts, as written in `datetime`. */
async function listedDates(page) {
  return page.locator('.post-list time').evaluateAll((times) => times.map((t) => t.dateTime));
}

describe('news', () => {
  test('the listing pages go five at a time, newest first, linked both ways', async () => {
    const { context, record } = await openWatchedContext(browser, site.origin);
    try {
      const page = await openAnswered(context, '/news/');
      const seen = [];
      const counts = [];
      for (let number = 1; ; number += 1) {
        const posts = await listedPosts(page);
        counts.push(posts.length);
        seen.push(...posts);
        const dates = await listedDates(page);
        assert.deepEqual([...dates].sort().reverse(), dates, `page ${number} is newest first`);
        const expectedPrevious = number === 1 ? null : number === 2 ? '/news/' : `/news/page/${number - 1}/`;
        assert.equal(await headLink(page, 'prev'), expectedPrevious, `rel=prev of page ${number}`);
        assertNoBrokenPromises(page, record);
        const older = page.getByRole('link', { name: 'Older posts' });
        if ((await older.count()) === 0) {
          assert.equal(await headLink(page, 'next'), null, 'the last page has no rel=next');
          break;
        }
        assert.equal(await headLink(page, 'next'), `/news/page/${number + 1}/`);
        await older.click();
        await page.waitForURL(site.url(`/news/page/${number + 1}/`));
      }
      assert.deepEqual(counts, [5, 5, 2]);
      assert.equal(new Set(seen).size, 12, 'every post is listed exactly once');
      // And back: "Newer posts" from page 2 leads to /news/, never /news/page/1/.
      await page.goto(site.url('/news/page/2/'));
      await page.getByRole('link', { name: 'Newer posts' }).click();
      await page.waitForURL(site.url('/news/'));
      const first = await page.request.get(site.url('/news/page/1/'));
      assert.equal(first.status(), 404, '/news/page/1/ is not a copy of /news/');
    } finally {
      await context.close();
    }
  });

  test('the home page shows the latest three posts of the listing', async () => {
    const { context } = await openWatchedContext(browser, site.origin);
    try {
      const page = await openAnswered(context, '/news/');
      const newest = (await listedPosts(page)).slice(0, 3);
      await page.goto(site.url('/'));
      assert.deepEqual(await listedPosts(page), newest);
      await page.getByRole('link', { name: 'All news' }).click();
      await page.waitForURL(site.url('/news/'));
    } finally {
      await context.close();
    }
  });

  test('a tag lists the posts that name it, and the feed is served as Atom', async () => {
    const { context, record } = await openWatchedContext(browser, site.origin);
    try {
      const page = await openAnswered(context, '/news/');
      const tag = page.locator('.post-list a.tag', { hasText: 'Security' }).first();
      await tag.click();
      await page.waitForURL(site.url('/tags/security/'));
      const onTag = await listedPosts(page);
      assert.equal(onTag.length, 5);
      await page.getByRole('link', { name: 'Older posts' }).click();
      await page.waitForURL(site.url('/tags/security/page/2/'));
      assert.equal((await listedPosts(page)).length, 1);
      assertNoBrokenPromises(page, record);

      await page.goto(site.url('/news/'));
      const feedPath = await page
        .locator('head link[rel="alternate"][type="application/atom+xml"]')
        .getAttribute('href');
      assert.equal(feedPath, '/news/atom.xml');
      const feed = await page.request.get(site.url(feedPath));
      assert.equal(feed.status(), 200);
      const xml = await feed.text();
      assert.match(xml, /^<\?xml version="1\.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom">/);
      assert.equal(xml.match(/<entry>/g)?.length, 12);
    } finally {
      await context.close();
    }
  });
});
