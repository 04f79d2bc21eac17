// Where the browser suite writes what a person reviews: screenshots,
// printed PDFs and the measured budgets, under `target/showcase/` (build
// output, never committed).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `target/showcase/` of the repository. */
export const SHOWCASE_DIR = fileURLToPath(new URL('../../../target/showcase/', import.meta.url));

/** Creates `target/showcase/<parts…>/` and returns its path. */
export function showcaseDir(...parts) {
  const dir = join(SHOWCASE_DIR, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * A file-name-safe name for a page path: `/` is `home`, `/news/page/2/`
 * is `news-page-2`, the not-found page's made-up path is `404`.
 */
export function pageName({ path, notFound }) {
  if (notFound) return '404';
  const name = path.replace(/^\/|\/$/g, '').replaceAll('/', '-');
  return name === '' ? 'home' : name;
}
