// `baystore-site dev` as an author uses it: open a page in Chromium, edit
// its Markdown and see the page reload with the new text; break the file
// and see the error overlay over the last good page; fix it and see the
// overlay go. The dev server runs on a copy of the sample site (so the
// repository is never edited), without the Worker, and the page is
// watched for CSP violations throughout: the reload client is a
// fingerprinted, SRI-checked script under the site's strict CSP.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { launchBrowser, openWatchedContext } from './support/browser.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR ?? join(repoRoot, 'target');
// The generator binary: BAYSTORE_SITE_BIN, else the one scripts/test.sh has
// just built (`cargo run -- build`, the debug profile), else a release build.
const generator =
  process.env.BAYSTORE_SITE_BIN ??
  [join(targetDir, "debug", "baystore-site"), join(targetDir, "release", "baystore-site")].find(
    (path) => existsSync(path),
  ) ??
  join(targetDir, "debug", "baystore-site");
const SITE_INPUTS = ['site.yaml', '_headers', 'evidence.yaml', 'promises.yaml', 'content', 'templates', 'static', 'data', 'public'];

let site;
let dev;
let origin;
let browser;

before(async () => {
  assert.ok(existsSync(generator), `${generator} is missing: run cargo build first`);
  site = await mkdtemp(join(tmpdir(), 'baystore-dev-site-'));
  for (const input of SITE_INPUTS) {
    if (existsSync(join(repoRoot, input))) {
      await cp(join(repoRoot, input), join(site, input), { recursive: true });
    }
  }
  dev = spawn(generator, ['dev', '--port', '0', '--no-worker', '--site', site], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const lines = createInterface({ input: dev.stdout });
  for await (const line of lines) {
    const match = /^serving on (http:\/\/127\.0\.0\.1:\d+)\/$/.exec(line);
    if (match) {
      origin = match[1];
      break;
    }
  }
  assert.ok(origin, 'dev printed no URL');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (dev && dev.exitCode === null) {
    dev.kill('SIGTERM');
    await once(dev, 'exit');
  }
  if (site) await rm(site, { recursive: true, force: true });
});

test('an edit reloads the page; a broken file shows the overlay until it is fixed', async () => {
  const { context, record } = await openWatchedContext(browser, origin);
  const page = await context.newPage();
  const first = await page.goto(`${origin}/privacy/`);
  assert.equal(first.status(), 200, await first.text());
  const file = join(site, 'content', 'privacy.md');
  const original = await readFile(file, 'utf8');

  // Edit: the page reloads by itself and shows the new text.
  const marker = `Edited while dev was running ${Date.now()}.`;
  const reloaded = page.waitForEvent('load', { timeout: 30_000 });
  await writeFile(file, `${original}\n${marker}\n`);
  await reloaded;
  await page.getByText(marker).waitFor({ timeout: 30_000 });

  // Break it: the overlay names the file, the last good page stays.
  await writeFile(file, '---\ntitle: [unclosed\n---\nBroken.\n');
  const overlay = page.locator('#baystore-dev-overlay');
  await overlay.waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(await overlay.innerText(), /content\/privacy\.md:\d+/);
  assert.ok(await page.getByText(marker).isVisible());

  // Fix it: the overlay goes and the fixed page is shown.
  const fixedMarker = `Fixed ${Date.now()}.`;
  await writeFile(file, `${original}\n${fixedMarker}\n`);
  await page.getByText(fixedMarker).waitFor({ timeout: 30_000 });
  assert.equal(await overlay.count(), 0);

  assert.deepEqual(record.cspViolations, []);
  assert.deepEqual(record.cspConsoleMessages, []);
  assert.deepEqual(record.foreignRequests, []);
  assert.deepEqual(record.pageErrors, []);
  await context.close();
});

test('a page that missed a rebuild reloads as soon as its event stream opens', async () => {
  const { context, record } = await openWatchedContext(browser, origin);
  // The page's event stream is held back until the rebuild has been
  // served, so the first state it hears is already the newer build.
  let release;
  const held = new Promise((resolve) => {
    release = resolve;
  });
  await context.route('**/__baystore/events', async (route) => {
    await held;
    await route.continue();
  });
  const page = await context.newPage();
  const first = await page.goto(`${origin}/pricing/`);
  assert.equal(first.status(), 200, await first.text());
  // The response names its build; the page does not.
  const timing = await page.evaluate(() =>
    performance
      .getEntriesByType('navigation')[0]
      .serverTiming.map((metric) => [metric.name, metric.description]),
  );
  assert.ok(
    timing.some(([name, description]) => name === 'baystore-build' && /^[0-9]+$/.test(description)),
    JSON.stringify(timing),
  );
  assert.equal(await page.locator('meta[name="baystore-dev-build"]').count(), 0);

  const file = join(site, 'content', 'pricing.md');
  const original = await readFile(file, 'utf8');
  const marker = `Rebuilt while the stream was held ${Date.now()}.`;
  await writeFile(file, `${original}\n${marker}\n`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const body = await (await fetch(`${origin}/pricing/`)).text();
    if (body.includes(marker)) break;
    assert.ok(Date.now() < deadline, 'the rebuild was never served');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(!(await page.getByText(marker).isVisible()));
  const reloaded = page.waitForEvent('load', { timeout: 30_000 });
  release();
  await reloaded;
  await page.getByText(marker).waitFor({ timeout: 30_000 });

  assert.deepEqual(record.cspViolations, []);
  assert.deepEqual(record.pageErrors, []);
  await context.close();
});
