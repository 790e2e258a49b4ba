const rest = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(Math.ceil(ms), 100)));

/**
 * Reads a table page by page, each page starting after the last row of the one before (keyset
 * pagination): a table of any size streams in constant memory, and a row written meanwhile never shifts
 * a page as an OFFSET would. `page(after, limit)` answers up to `limit` rows ordered by the key, all after
 * `after` (or from the start when it is undefined). Between pages the reader rests as long as the page's
 * read took (at most 100 ms): however fast the consumer, reading takes at most about half of the event loop,
 * whatever the size of the table. Only the read is timed: a consumer that waits (for a slow client to drain
 * a download) has given the loop away already and is not made to wait again.
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
    const readMs = performance.now() - started;
    yield* rows;
    const last = rows.at(-1);
    if (last === undefined || rows.length < pageSize) return;
    after = keyOf(last);
    await rest(readMs);
  }
}
