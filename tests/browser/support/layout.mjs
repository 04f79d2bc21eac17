// What a page looks like to a visitor at one viewport width: whether it
// scrolls sideways, whether any content is cut off, and whether the layout
// uses the width it is given. Each check runs in the page and returns a
// list of readable problems, empty when all is well.

/** The widths every page is checked at: small and large phones, tablet, laptop and desktop. */
export const WIDTHS = [320, 375, 414, 768, 1024, 1280, 1920];

/**
 * Problems with the page's horizontal layout at the current viewport: the
 * document scrolling sideways, a table cell neither on screen nor
 * reachable by scrolling the region that holds it (or clipping its own
 * text), and any visible element reaching past the viewport's edges
 * outside a scrolling region, which would be cut off. Runs in the page.
 */
export function horizontalProblems() {
  const problems = [];
  const viewport = window.innerWidth;
  const root = document.documentElement;
  if (root.scrollWidth > viewport) {
    problems.push(`the page is ${root.scrollWidth}px wide in a ${viewport}px viewport`);
  }

  const describe = (el) => {
    const id = el.id ? `#${el.id}` : '';
    const classes = [...el.classList].map((name) => `.${name}`).join('');
    const text = (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 50);
    return `<${el.tagName.toLowerCase()}${id}${classes}> "${text}"`;
  };

  // Hidden on purpose: not rendered, placed off the page, or inside a box
  // of at most one pixel that clips (the visually-hidden pattern, the
  // spam trap, the header row of a stacked table).
  const hidden = (el) => {
    if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) return true;
    if (el.closest('[aria-hidden="true"]')) return true;
    for (let node = el; node instanceof Element; node = node.parentElement) {
      const box = node.getBoundingClientRect();
      const style = getComputedStyle(node);
      const clips = style.overflow !== 'visible' || style.clipPath !== 'none';
      if (clips && box.width <= 1 && box.height <= 1) return true;
      if (style.position === 'absolute' && (box.right + window.scrollX <= 0 || box.bottom + window.scrollY <= 0)) {
        return true;
      }
    }
    return false;
  };

  // The nearest ancestor that scrolls sideways, if any.
  const scroller = (el) => {
    for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
      const overflow = getComputedStyle(node).overflowX;
      if (overflow === 'auto' || overflow === 'scroll') return node;
    }
    return null;
  };

  // Whether a box within a scrolling region can be scrolled into view, and
  // the region can be scrolled by keyboard users too: it takes focus
  // itself or holds something that does.
  const reachableIn = (region, box) => {
    const area = region.getBoundingClientRect();
    const left = box.left - area.left + region.scrollLeft;
    const right = box.right - area.left + region.scrollLeft;
    const scrollable = region.scrollWidth <= region.clientWidth || region.tabIndex >= 0;
    return left >= -1 && right <= region.scrollWidth + 1 && scrollable;
  };

  for (const cell of document.querySelectorAll('td, th')) {
    if (hidden(cell)) continue;
    const box = cell.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) {
      problems.push(`table cell ${describe(cell)} has no size`);
      continue;
    }
    if (cell.scrollWidth > cell.clientWidth + 1) {
      problems.push(`table cell ${describe(cell)} clips its content (${cell.scrollWidth}px in ${cell.clientWidth}px)`);
    }
    const region = scroller(cell);
    const onScreen = box.left >= -1 && box.right <= viewport + 1;
    if (region ? !reachableIn(region, box) : !onScreen) {
      problems.push(
        `table cell ${describe(cell)} spans ${Math.round(box.left)}..${Math.round(box.right)}px ` +
          `and cannot be scrolled into a ${viewport}px viewport`,
      );
    }
  }

  for (const el of document.body.querySelectorAll('*')) {
    if (el.matches('td, th, script, style, link, meta') || scroller(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) continue;
    if (box.left >= -1 && box.right <= viewport + 1) continue;
    if (hidden(el)) continue;
    problems.push(
      `${describe(el)} spans ${Math.round(box.left)}..${Math.round(box.right)}px, past a ${viewport}px viewport`,
    );
  }
  return problems;
}

/**
 * Problems with how the layout uses a wide viewport: the main content
 * below the home page's hero (or all of it, on other pages) is cut into
 * bands 200px high, and in every band that holds content the rightmost
 * content must reach into the right third of the site's content column
 * (the header's, which spans the width the site allows itself). A page
 * whose content sits in a narrow left column with an empty right third
 * fails; a centred reading column, or text with a sidebar or an
 * illustration beside it, passes. Content here is what fills a column's
 * measure: running text (paragraphs, list items, table cells, quotes,
 * code), images, form controls, and elements that draw a box (a border or
 * a background: a card). Headings are left out, since a heading's box
 * spans its container however short its text, and so would hide an empty
 * column beside it. Runs in the page.
 */
export function emptyRightThirdProblems() {
  const column = document.querySelector('header .wrap, .site-header .wrap');
  const main = document.querySelector('main');
  if (!column || !main) return ['the page has no header column or no main landmark to measure'];
  const style = getComputedStyle(column);
  const area = column.getBoundingClientRect();
  const left = area.left + parseFloat(style.paddingLeft);
  const right = area.right - parseFloat(style.paddingRight);
  const third = (right - left) / 3;

  const fillsMeasure = (el) =>
    el.matches('p, li, dd, td, th, blockquote, pre, img, svg, input, textarea, select, button');
  const drawsBox = (el) => {
    const look = getComputedStyle(el);
    return parseFloat(look.borderRightWidth) > 0 || look.backgroundColor !== 'rgba(0, 0, 0, 0)';
  };
  const hero = main.querySelector('.hero');
  const from = hero ? hero.getBoundingClientRect().bottom + window.scrollY : 0;
  const bands = new Map();
  for (const el of main.querySelectorAll('*')) {
    if (hero?.contains(el)) continue;
    if (el.matches('h1, h2, h3, h4, h5, h6') || el.closest('h1, h2, h3, h4, h5, h6')) continue;
    const content = fillsMeasure(el) || drawsBox(el);
    if (!content || !el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
    const box = el.getBoundingClientRect();
    if (box.width < 2 || box.height < 2) continue;
    const top = box.top + window.scrollY - from;
    const bottom = box.bottom + window.scrollY - from;
    for (let band = Math.floor(top / 200); band * 200 < bottom; band += 1) {
      bands.set(band, Math.max(bands.get(band) ?? -Infinity, box.right));
    }
  }
  const problems = [];
  for (const [band, reach] of [...bands].sort(([a], [b]) => a - b)) {
    if (right - reach > third) {
      problems.push(
        `${band * 200}px below the ${hero ? 'hero' : 'header'} the content ends at ${Math.round(reach)}px, leaving the right ` +
          `${Math.round(right - reach)}px of a ${Math.round(right - left)}px column empty`,
      );
    }
  }
  return problems;
}

/** Widths at which tables with labelled cells must be stacked into cards. */
export const STACKED_UP_TO = 414;

/**
 * Problems with the tables of a phone-sized page: every body cell that
 * carries `data-label` must sit wholly on screen, with no scrolling, and
 * show its label before its content, so a row reads as a card of labelled
 * values. Runs in the page.
 */
export function stackedTableProblems() {
  const problems = [];
  const viewport = window.innerWidth;
  for (const cell of document.querySelectorAll('td[data-label]')) {
    const text = (cell.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 50);
    const box = cell.getBoundingClientRect();
    if (box.left < -1 || box.right > viewport + 1) {
      problems.push(`cell "${text}" spans ${Math.round(box.left)}..${Math.round(box.right)}px: not stacked`);
    }
    const shown = getComputedStyle(cell, '::before').content;
    if (shown !== JSON.stringify(cell.dataset.label)) {
      problems.push(`cell "${text}" shows ${shown} before it, not its column "${cell.dataset.label}"`);
    }
  }
  return problems;
}
