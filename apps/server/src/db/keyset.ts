const rest = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(Math.ceil(ms), 100)));

/**
 * Reads a table page by page, each page starting after the last row of the one before (keyset
 * pagination): a table of any size streams in constant memory, and a row written meanwhile never shifts
 * a page as an OFFSET would. `page(after, limit)` answers up to `limit` rows ordered by the key, all after
 * `after` (or from the start when it is undefined). Between pages the reader rests as long as the page
 * took to read and consume: a consumer that never waits (a fast download) takes at most about half of the
 * event loop, whatever the size of the table.
 */
export async function* keysetPages<Row, Key>(
  page: (after: Key | undefined, limit: number) => Promise<Row[]>,
  keyOf: (row: Row) => Key,
  pageSize = 500,
): AsyncGenerator<Row> {
  let after: Key | undefined;
  for (;;) {
    const started = performance.now();
    const rows = await page(after, pageSize);
    yield* rows;
    const last = rows.at(-1);
    if (last === undefined || rows.length < pageSize) return;
    after = keyOf(last);
    await rest(performance.now() - started);
  }
}
