// What the consent tests need to observe: the banner, the stored choice and
// every request the analytics path receives.

/** The localStorage key consent.js keeps the visitor's choice under. */
const CONSENT_STORAGE_KEY = 'baystore-consent';

/** The analytics beacon endpoint, as the page's consent loader names it. */
export const BEACON_PATH = '/a/event';

/**
 * Records, for every page of the context, each request under `/a/` (the
 * beacons) and each request for the analytics script itself, so a beacon
 * sent while a page unloads or reloads is counted too. Loading the script
 * is the first visible step of analytics starting, so watching it lets a
 * test see a wrongly started analytics run well before its beacon.
 *
 * @param {import('playwright-core').BrowserContext} context
 */
export function watchAnalyticsRequests(context) {
  const seen = { beacons: [], scripts: [] };
  context.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.startsWith('/a/')) seen.beacons.push(request);
    if (ANALYTICS_SCRIPT.test(pathname)) seen.scripts.push(request);
  });
  return seen;
}

// The analytics script, by its source name or its fingerprinted name.
const ANALYTICS_SCRIPT = /\/analytics(\.[0-9a-f]{16})?\.js$/;

/** The consent banner section. */
export function banner(page) {
  return page.locator('#consent-banner');
}

/** The consent revision the page's loader announces in `data-consent-revision`. */
export async function consentRevision(page) {
  const value = await page.locator('script[data-consent-revision]').getAttribute('data-consent-revision');
  const revision = Number(value);
  if (!Number.isInteger(revision)) {
    throw new Error(`the consent loader's data-consent-revision is not an integer: ${value}`);
  }
  return revision;
}

/** The stored consent record, parsed, or null when none is stored. */
export async function storedConsent(page) {
  const raw = await page.evaluate((key) => localStorage.getItem(key), CONSENT_STORAGE_KEY);
  return raw === null ? null : JSON.parse(raw);
}

/** Overwrites the stored consent record. */
export async function storeConsent(page, record) {
  const entry = [CONSENT_STORAGE_KEY, JSON.stringify(record)];
  await page.evaluate(([key, value]) => localStorage.setItem(key, value), entry);
}

/**
 * Waits until a page that is not going to start analytics has proved it:
 * every request has settled, and then a little longer, because after a click
 * the network is already idle and only a short wait can show that no
 * analytics script request follows. Starting analytics requests the script
 * at once, so the wait is many times what that takes.
 */
export async function settle(page) {
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(300);
}

// Init scripts that make the browser signal an opt-out the way real browsers
// do. Chromium has no Global Privacy Control switch, so the property is
// defined on the prototype, where browsers that support it put it.
export function enableGlobalPrivacyControl() {
  Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {
    configurable: true,
    enumerable: true,
    get: () => true,
  });
}

export function enableDoNotTrack() {
  Object.defineProperty(Navigator.prototype, 'doNotTrack', {
    configurable: true,
    enumerable: true,
    get: () => '1',
  });
}
