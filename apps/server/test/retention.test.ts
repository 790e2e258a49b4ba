import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../src/db/database.js';
import { createRetentionJob, type RetentionJob, type RetentionReport } from '../src/features/lifecycle/retention.js';
import { createPgDatabase, storageBackends, uniqueSpace, useStorage } from './helpers.js';
import { DAY_MS, insertReadings, seedSpace, spaceDataOn } from './space-fixture.js';

const NOW = 1_800_000_000_000;
const now = () => NOW;
const BACKLOG = 100_000;

// The setup's garbage (100,000 rows built and sent) is collected before the measurement, which is of the job.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * Counts the event loop's turns while `work` runs (one `setImmediate` a turn). Work done in chunks with
 * the loop free between them turns it about once a chunk; one long statement (SQLite holds the thread)
 * turns it a handful of times at most. Counted rather than timed: on a shared, busy machine a stall in
 * milliseconds measures the neighbours as much as the code.
 */
async function loopTurnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let counting = true;
  const tick = () => {
    if (!counting) return;
    turns += 1;
    setImmediate(tick);
  };
  setImmediate(tick);
  try {
    return { result: await work(), turns };
  } finally {
    counting = false;
  }
}

function jobOn(db: Db): RetentionJob {
  return createRetentionJob({
    db,
    rules: spaceDataOn(db, now).retentionRules,
    clock: { now },
    logger: pino({ level: 'silent' }),
    intervalMs: 60_000,
  });
}

/** A space whose sensor holds `count` readings older than it keeps (1 day), plus a few it keeps. */
async function backlog(db: Db, count: number): Promise<string> {
  const space = uniqueSpace('backlog');
  await seedSpace(db, space, { now: NOW, readings: 10, readingRetentionDays: 1 });
  await insertReadings(db, space, 'room', count, (i) => NOW - 2 * DAY_MS + i);
  return space;
}

/** What a pass deleted of readings (their rollups go by a rule of their own). */
const readingsIn = (report: RetentionReport) => report.byRule['sensor readings'] ?? 0;

async function readingsOf(db: Db, space: string): Promise<number> {
  const { n } = await db
    .selectFrom('sensor_readings')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('space', '=', space)
    .executeTakeFirstOrThrow();
  return Number(n);
}

describe.each(storageBackends)('retention on $name', (backend) => {
  const storage = useStorage(backend);

  it(`deletes a backlog of ${BACKLOG.toLocaleString('en')} readings in batches, the event loop free between them`, async () => {
    const space = await backlog(storage.db, BACKLOG);
    const job = jobOn(storage.db);
    collectGarbage();
    const { result: report, turns } = await loopTurnsDuring(() => job.runOnce());
    expect(report.byRule['sensor readings']).toBe(BACKLOG);
    expect(await readingsOf(storage.db, space)).toBe(10);
    // 500 rows a batch: 200 batches, each followed by a turn of the loop.
    expect(turns).toBeGreaterThanOrEqual(BACKLOG / 500 / 2);
  }, 300_000);
});

describe.each(storageBackends)('deleting a big space on $name', (backend) => {
  const storage = useStorage(backend);

  it(`deletes ${BACKLOG.toLocaleString('en')} readings in chunks, the event loop free between them`, async () => {
    const space = await backlog(storage.db, BACKLOG);
    const data = spaceDataOn(storage.db, now);
    collectGarbage();
    const { result: deleted, turns } = await loopTurnsDuring(() => data.delete(space));
    expect(deleted).toBe(true);
    expect(await readingsOf(storage.db, space)).toBe(0);
    // 2,000 rows a chunk: 50 chunks, each followed by a turn of the loop.
    expect(turns).toBeGreaterThanOrEqual(BACKLOG / 2000 / 2);
  }, 300_000);
});

describe('retention on two nodes sharing one PostgreSQL database', () => {
  let database: Awaited<ReturnType<typeof createPgDatabase>>;
  const nodes: Db[] = [];
  beforeAll(async () => {
    database = await createPgDatabase();
    // Two pools, as two server processes would have.
    for (let i = 0; i < 2; i++) nodes.push((await openDatabase({ dataDir: '', databaseUrl: database.url })).db);
  });
  afterAll(async () => {
    for (const db of nodes.splice(0)) await db.destroy();
    await database.drop();
  });

  it('deletes every expired row exactly once: the two reports add up to the backlog', async () => {
    const [a, b] = nodes as [Db, Db];
    const count = 30_000;
    const space = await backlog(a, count);
    const [first, second] = await Promise.all([jobOn(a).runOnce(), jobOn(b).runOnce()]);

    expect(readingsIn(first) + readingsIn(second)).toBe(count);
    expect(first.batches + second.batches).toBeGreaterThanOrEqual(count / 500);
    expect(await readingsOf(a, space)).toBe(10);
  }, 120_000);

  it('skips a batch another node holds instead of waiting for it or taking it again', async () => {
    const [a, b] = nodes as [Db, Db];
    const count = 5000;
    const space = await backlog(a, count);
    // A third connection plays a node in the middle of a batch: 300 rows locked, not yet deleted.
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      const held = await holder.query(
        'SELECT id FROM sensor_readings WHERE space = $1 ORDER BY at LIMIT 300 FOR UPDATE',
        [space],
      );
      expect(held.rowCount).toBe(300);

      const [first, second] = await Promise.all([jobOn(a).runOnce(), jobOn(b).runOnce()]);
      expect(readingsIn(first) + readingsIn(second)).toBe(count - 300);
      expect(await readingsOf(a, space)).toBe(300 + 10);

      // The other node's batch never commits (it died): the rows are free again, and taken once.
      await holder.query('ROLLBACK');
      const [third, fourth] = await Promise.all([jobOn(a).runOnce(), jobOn(b).runOnce()]);
      expect(readingsIn(third) + readingsIn(fourth)).toBe(300);
      expect(await readingsOf(a, space)).toBe(10);
    } finally {
      await holder.end();
    }
  }, 120_000);
});
