import { nextTurn } from '../lib/next-turn.js';

/**
 * Reads a table page by page, each page starting after the last row of the one before (keyset
 * pagination): a table of any size streams in constant memory, and a row written meanwhile never shifts
 * a page as an OFFSET would. `page(after, limit)` answers up to `limit` rows ordered by the key, all after
 * `after` (or from the start when it is undefined). The event loop turns between pages: a consumer that
 * never waits (a fast download) does not hold it for the whole table.
 */
export async function* keysetPages<Row, Key>(
  page: (after: Key | undefined, limit: number) => Promise<Row[]>,
  keyOf: (row: Row) => Key,
  pageSize = 500,
): AsyncGenerator<Row> {
  let after: Key | undefined;
  for (;;) {
    const rows = await page(after, pageSize);
    yield* rows;
    const last = rows.at(-1);
    if (last === undefined || rows.length < pageSize) return;
    after = keyOf(last);
    await nextTurn();
  }
}
