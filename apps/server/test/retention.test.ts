import { monitorEventLoopDelay } from 'node:perf_hooks';
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

  /** The longest event-loop stall (ms) while one pass deletes a fresh backlog of expired readings. */
  async function longestStall(): Promise<number> {
    const space = await backlog(storage.db, BACKLOG);
    const job = jobOn(storage.db);
    collectGarbage();
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const report = await job.runOnce();
    delay.disable();
    expect(report.byRule['sensor readings']).toBe(BACKLOG);
    expect(await readingsOf(storage.db, space)).toBe(10);
    return delay.max / 1e6;
  }

  it(`deletes a backlog of ${BACKLOG.toLocaleString('en')} readings without stalling the event loop 50 ms`, async () => {
    // The least of up to three runs: a stall the job causes shows in every run, while another process
    // taking the CPU of a shared machine (the process is not even running then) shows in one.
    const stalls: number[] = [];
    while (stalls.length < 3 && !stalls.some((ms) => ms < 50)) stalls.push(await longestStall());
    const shown = stalls.map((ms) => `${ms.toFixed(1)} ms`).join(', ');
    expect(Math.min(...stalls), `longest stall of each run: ${shown}`).toBeLessThan(50);
  }, 300_000);
});

describe.each(storageBackends)('deleting a big space on $name', (backend) => {
  const storage = useStorage(backend);

  /** The longest event-loop stall (ms) while a space with `BACKLOG` readings (and their rollups) is deleted. */
  async function longestStall(): Promise<number> {
    const space = await backlog(storage.db, BACKLOG);
    const data = spaceDataOn(storage.db, now);
    collectGarbage();
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    expect(await data.delete(space)).toBe(true);
    delay.disable();
    expect(await readingsOf(storage.db, space)).toBe(0);
    return delay.max / 1e6;
  }

  it(`deletes ${BACKLOG.toLocaleString('en')} readings in chunks, never stalling the event loop 50 ms`, async () => {
    // The least of up to three runs, as above.
    const stalls: number[] = [];
    while (stalls.length < 3 && !stalls.some((ms) => ms < 50)) stalls.push(await longestStall());
    const shown = stalls.map((ms) => `${ms.toFixed(1)} ms`).join(', ');
    expect(Math.min(...stalls), `longest stall of each run: ${shown}`).toBeLessThan(50);
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
