import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/database.js';
import { keysetPages } from '../../db/keyset.js';
import type { RetentionRule } from '../../feature.js';
import { nextTurn } from '../../lib/next-turn.js';

const DAY_MS = 24 * 3_600_000;

/**
 * Rows per DELETE. A batch of this size takes a few milliseconds on either database, so the event loop,
 * which runs between batches, never stalls for long (test/retention.test.ts measures it).
 */
const RETENTION_BATCH = 500;

/** The first pass after start-up comes this soon at most: a node restarted often still gets to run it. */
const FIRST_RUN_MAX_DELAY_MS = 5 * 60_000;

/** What one pass deleted: `batches` counts the statements that deleted at least one row. */
export interface RetentionReport {
  batches: number;
  rows: number;
  byRule: Record<string, number>;
}

/**
 * Deletes what each space keeps no longer (the features' retention rules against the space's settings),
 * every `intervalMs`, in batches of `batchSize` rows with the event loop free between them. Every node of
 * a cluster runs it: each rule's batch is one statement that skips rows another node's batch holds
 * (PostgreSQL `FOR UPDATE SKIP LOCKED`), so a row is deleted by exactly one of them and nobody waits.
 */
export function createRetentionJob(deps: {
  db: Db;
  rules: () => readonly RetentionRule[];
  clock: Clock;
  logger: Logger;
  intervalMs: number;
  batchSize?: number;
}) {
  const { db, rules, clock, logger, intervalMs, batchSize = RETENTION_BATCH } = deps;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<RetentionReport> | undefined;
  let stopped = false;

  const spaces = () =>
    keysetPages(
      (after: string | undefined, limit) => {
        let page = db.selectFrom('spaces').select(['slug', 'reading_retention_days', 'message_retention_days']);
        if (after !== undefined) page = page.where('slug', '>', after);
        return page.orderBy('slug').limit(limit).execute();
      },
      (s) => s.slug,
      200,
    );

  async function pass(): Promise<RetentionReport> {
    const report: RetentionReport = { batches: 0, rows: 0, byRule: {} };
    const now = clock.now();
    for await (const space of spaces()) {
      const keepDays = {
        readingRetentionDays: space.reading_retention_days,
        messageRetentionDays: space.message_retention_days,
      };
      for (const rule of rules()) {
        const days = keepDays[rule.keepDays];
        if (days === null) continue;
        const before = now - days * DAY_MS;
        for (;;) {
          if (stopped) return report;
          const deleted = await rule.deleteBatch(space.slug, before, batchSize);
          if (deleted > 0) {
            report.batches += 1;
            report.rows += deleted;
            report.byRule[rule.name] = (report.byRule[rule.name] ?? 0) + deleted;
          }
          // Other work runs between batches: the backlog of a space never holds the event loop.
          await nextTurn();
          // Fewer than asked: this space is done, or another node holds the rest of it.
          if (deleted < batchSize) break;
        }
      }
    }
    return report;
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void runOnce()
        .then((report) => {
          if (report.rows > 0) logger.info({ retention: report }, 'retention deleted expired rows');
        })
        .catch((err: unknown) => logger.error({ err }, 'retention pass failed; trying again next time'))
        .finally(() => schedule(intervalMs));
    }, delayMs);
    timer.unref();
  }

  /** One pass over every space; a pass already running is joined, not doubled. */
  function runOnce(): Promise<RetentionReport> {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    runOnce,
    start(): void {
      stopped = false;
      schedule(Math.min(intervalMs, FIRST_RUN_MAX_DELAY_MS));
    },
    /** Stops after the batch in progress (nothing is left half done: each batch is one statement). */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}

export type RetentionJob = ReturnType<typeof createRetentionJob>;
