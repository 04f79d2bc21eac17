// Serves the built site the way production does: `wrangler dev` on loopback
// with the static assets of `dist/`, their `_headers`, the Worker and a
// local D1 database with its migrations applied.

import { d1Query, startWrangler } from '../../support/wrangler.mjs';

/** An SQL string literal; test data never needs more than quote doubling. */
function sqlString(value) {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Starts one `wrangler dev` for a test file, with a fresh local D1.
 *
 * The returned `leadsWithEmail(email)` reads back the stored leads with that
 * address, straight from the local D1 state the Worker writes to.
 */
export async function startSite() {
  const server = await startWrangler();
  const origin = new URL(server.url).origin;
  return {
    origin,
    url: (path) => new URL(path, origin).href,
    stop: () => server.stop(),
    logs: () => server.logs(),
    leadsWithEmail: (email) =>
      d1Query(server.persistTo, `SELECT * FROM leads WHERE email = ${sqlString(email)} ORDER BY received_at`),
  };
}
