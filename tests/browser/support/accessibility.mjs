// axe-core runs and keyboard walks through a page.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The axe-core build injected into pages under test. */
export const AXE_PATH = require.resolve('axe-core/axe.min.js');

/** Impacts that fail the suite; `minor` and `moderate` are left to review. */
export const BLOCKING_IMPACTS = ['serious', 'critical'];

/**
 * Runs axe-core on the page as it is now and returns its violations. The
 * page's context must bypass CSP: the site's policy rightly refuses the
 * injected script.
 */
export async function axeViolations(page) {
  await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate(async () => {
    const results = await window.axe.run(document, { resultTypes: ['violations'] });
    return results.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      helpUrl: violation.helpUrl,
      nodes: violation.nodes.map((node) => ({
        target: node.target.join(' '),
        html: node.html,
        summary: node.failureSummary,
      })),
    }));
  });
}

/** A readable account of axe violations, one block per rule and element. */
export function describeViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .map((n) => `    at ${n.target}\n      ${n.html}\n      ${n.summary.replaceAll('\n', '\n      ')}`)
        .join('\n');
      return `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.helpUrl}\n${nodes}`;
    })
    .join('\n');
}

/**
 * Whether the focused element matches `selector`, and a short description of
 * it for failure messages. Runs in the page.
 */
function inspectFocus(selector) {
  const el = document.activeElement;
  if (!el || el === document.body) return { matched: false, description: '<body>' };
  const text = (el.getAttribute('aria-label') || el.textContent || el.getAttribute('name') || '').trim();
  const tag = el.tagName.toLowerCase();
  const id = el.id ? `#${el.id}` : '';
  const name = el.getAttribute('name') ? ` name=${el.getAttribute('name')}` : '';
  return {
    matched: el.matches(selector),
    description: `<${tag}${id}${name}> ${text.slice(0, 40).replace(/\s+/g, ' ')}`,
  };
}

/**
 * Presses Tab until the focused element matches the CSS `selector`, at most
 * `limit` times. Returns the descriptions of every element focused on the
 * way, so a failure can say where focus went instead.
 *
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 */
export async function tabUntil(page, selector, limit = 100) {
  const visited = [];
  for (let i = 0; i < limit; i += 1) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(inspectFocus, selector);
    visited.push(focus.description);
    if (focus.matched) return { reached: true, visited };
  }
  return { reached: false, visited };
}

/**
 * Walks the page with Tab from the top until focus comes back round, and for
 * every element reached returns how its outline and box-shadow look with and
 * without focus.
 */
export async function focusIndicators(page, limit = 150) {
  await page.evaluate(() => {
    window.__focusTrail = [];
  });
  for (let i = 0; i < limit; i += 1) {
    await page.keyboard.press('Tab');
    const again = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return false;
      if (window.__focusTrail.some((entry) => entry.el === el)) return true;
      const style = getComputedStyle(el);
      window.__focusTrail.push({
        el,
        focused: {
          outlineStyle: style.outlineStyle,
          outlineWidth: style.outlineWidth,
          outlineColor: style.outlineColor,
          boxShadow: style.boxShadow,
        },
      });
      return false;
    });
    if (again) break;
  }
  return page.evaluate(() => {
    document.activeElement?.blur();
    return window.__focusTrail.map(({ el, focused }) => {
      const style = getComputedStyle(el);
      const text = (el.getAttribute('aria-label') || el.textContent || el.getAttribute('name') || '').trim();
      const classes = [...el.classList].map((name) => `.${name}`).join('');
      return {
        element: `<${el.tagName.toLowerCase()}${classes}> ${text.slice(0, 40)}`,
        focused,
        unfocused: {
          outlineStyle: style.outlineStyle,
          outlineWidth: style.outlineWidth,
          outlineColor: style.outlineColor,
          boxShadow: style.boxShadow,
        },
      };
    });
  });
}

/**
 * Whether a focused style draws a visible ring the unfocused style lacks: an
 * outline of some width and opaque colour, or a box-shadow, that differs
 * from the element's look without focus.
 */
export function showsFocus({ focused, unfocused }) {
  const outline = (s) =>
    s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && !/rgba\(.*,\s*0\)$|transparent/.test(s.outlineColor)
      ? `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`
      : null;
  const shadow = (s) => (s.boxShadow && s.boxShadow !== 'none' ? s.boxShadow : null);
  const outlineShown = outline(focused) !== null && outline(focused) !== outline(unfocused);
  const shadowShown = shadow(focused) !== null && shadow(focused) !== shadow(unfocused);
  return outlineShown || shadowShown;
}
