// Finds every HTML page of the built bundle and the URL path it is served at.

import { existsSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, two folders above this support folder's parent. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The built bundle `wrangler dev` serves, as `wrangler.toml` names it. */
const DIST_DIR = join(REPO_ROOT, 'dist');

/** The contact address every error page and the contact page offer. */
export const SALES_MAILTO = 'mailto:sales@baystore.example';

/**
 * The HTML pages in `dist/`, each as `{ file, path }` where `file` is
 * relative to `dist/` with `/` separators and `path` is the pretty URL the
 * static assets server answers for it: `index.html` is `/`,
 * `security/index.html` is `/security/`. The 404 page is marked
 * `notFound: true`: it is only ever served for a path that does not exist.
 */
export function htmlPages(distDir = DIST_DIR) {
  if (!existsSync(join(distDir, 'index.html'))) {
    throw new Error(`no built site in ${distDir}: run \`cargo run -- build\` first`);
  }
  const pages = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.name.endsWith('.html')) {
        const file = relative(distDir, full).split(sep).join('/');
        pages.push(pageFor(file));
      }
    }
  };
  walk(distDir);
  pages.sort((a, b) => a.path.localeCompare(b.path));
  return pages;
}

function pageFor(file) {
  if (file === '404.html') {
    // The assets server answers unknown paths with this page and status 404.
    return { file, path: '/this-page-does-not-exist/', notFound: true };
  }
  if (file === 'index.html') return { file, path: '/', notFound: false };
  if (file.endsWith('/index.html')) {
    return { file, path: `/${file.slice(0, -'index.html'.length)}`, notFound: false };
  }
  // Any other `name.html` is served at `/name` by the assets server's
  // automatic trailing-slash handling.
  return { file, path: `/${file.slice(0, -'.html'.length)}`, notFound: false };
}
