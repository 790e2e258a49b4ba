import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase, SQLITE_LOCK_WAIT_MS } from '../src/db/database.js';
import { isStorageUnavailable } from '../src/db/storage-errors.js';
import { createPgDatabase, tempDir } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sqlite(synchronous?: 'NORMAL' | 'FULL'): Promise<{ db: Db; file: string }> {
  const dir = tempDir('huddle-sqlite-');
  const { db } = await openDatabase({ dataDir: dir.dir, sqliteSynchronous: synchronous });
  cleanups.push(
    () => dir.remove(),
    () => db.destroy(),
  );
  return { db, file: path.join(dir.dir, 'huddle.sqlite') };
}

/** Another connection to the file (as another process would hold it), with the write lock taken. */
function foreignWriteLock(file: string): { release(): void } {
  const other = new SQLite(file);
  other.exec('BEGIN IMMEDIATE');
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    other.exec('COMMIT');
    other.close();
  };
  cleanups.push(release);
  return { release };
}

/** The longest the event loop was blocked while `work` ran, in ms (less the probe's own 5 ms period). */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  let last = performance.now();
  let longest = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  try {
    const result = await work();
    // A stall that ends with the work itself has not been seen by the probe yet.
    longest = Math.max(longest, performance.now() - last);
    return { result, stallMs: Math.max(0, longest - 5) };
  } finally {
    clearInterval(probe);
  }
}

const WRITES = 20;
const write = (db: Db, i: number) =>
  db
    .insertInto('spaces')
    .values({ slug: `locked-${i}`, created_at: i })
    .execute();

describe('SQLite writes while another process holds the write lock', () => {
  it(`wait without blocking the event loop, and fail UNAVAILABLE about ${SQLITE_LOCK_WAIT_MS} ms after they were asked`, async () => {
    const { db, file } = await sqlite();
    const lock = foreignWriteLock(file);
    const started = performance.now();
    const { result, stallMs } = await longestStall(() =>
      Promise.allSettled(Array.from({ length: WRITES }, (_, i) => write(db, i))),
    );
    const elapsed = performance.now() - started;
    // SQLite's own busy_timeout (250 ms) blocked the loop for each queued write in turn: 20 × 250 ms = 5 s.
    // The bounds leave room for a loaded machine and still fail that by far.
    expect(stallMs).toBeLessThan(1000);
    expect(result.every((r) => r.status === 'rejected' && isStorageUnavailable(r.reason))).toBe(true);
    // Each write's wait counts from when it was asked: together they took one wait, not twenty.
    expect(elapsed).toBeGreaterThanOrEqual(SQLITE_LOCK_WAIT_MS - 100);
    expect(elapsed).toBeLessThan(SQLITE_LOCK_WAIT_MS + 2000);
    lock.release();
    await write(db, 100);
    // Reads never needed the lock.
    expect(await db.selectFrom('spaces').select('slug').execute()).toEqual([{ slug: 'locked-100' }]);
  });

  it('go through, in order, once the lock is released within the wait', async () => {
    const { db, file } = await sqlite();
    const lock = foreignWriteLock(file);
    const { result, stallMs } = await longestStall(async () => {
      const writes = Array.from({ length: WRITES }, (_, i) => write(db, i));
      // The other process commits while the writes wait (as a backup or a migration tool would).
      setTimeout(() => lock.release(), SQLITE_LOCK_WAIT_MS / 5);
      return Promise.allSettled(writes);
    });
    expect(stallMs).toBeLessThan(1000);
    expect(result.map((r) => r.status)).toEqual(Array(WRITES).fill('fulfilled'));
    const rows = await db.selectFrom('spaces').select('created_at').orderBy('created_at').execute();
    expect(rows.map((r) => r.created_at)).toEqual(Array.from({ length: WRITES }, (_, i) => i));
  });
});

describe('SQLite durability', () => {
  it('is synchronous=NORMAL by default and FULL when configured', async () => {
    const readSynchronous = async (db: Db) =>
      (await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows[0]?.synchronous;
    expect(await readSynchronous((await sqlite()).db)).toBe(1);
    expect(await readSynchronous((await sqlite('FULL')).db)).toBe(2);
  });
});

describe('PostgreSQL timeouts', () => {
  it('sets statement_timeout and idle_in_transaction_session_timeout on every pooled connection', async () => {
    const pg = await createPgDatabase();
    cleanups.push(() => pg.drop());
    const { db } = await openDatabase({
      dataDir: '',
      databaseUrl: pg.url,
      postgresTimeouts: { statementTimeoutMs: 300, idleInTransactionTimeoutMs: 1500 },
    });
    cleanups.push(() => db.destroy());
    const show = async (setting: string) =>
      Object.values((await sql.raw(`show ${setting}`).execute(db)).rows[0] as Record<string, string>)[0];
    expect(await show('statement_timeout')).toBe('300ms');
    expect(await show('idle_in_transaction_session_timeout')).toBe('1500ms');
    // A statement past it is ended by the server (57014: UNAVAILABLE to a client), the connection kept.
    const slow = await sql`select pg_sleep(2)`.execute(db).catch((err: unknown) => err);
    expect(slow).toMatchObject({ code: '57014' });
    expect(isStorageUnavailable(slow)).toBe(true);
    expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }]);
  });
});
