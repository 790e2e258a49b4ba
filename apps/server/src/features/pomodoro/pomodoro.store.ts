import type { PomodoroActivity, PomodoroState } from '@huddle/protocol';
import type { Selectable } from 'kysely';
import type { Db } from '../../db/database.js';
import type { PomodorosTable } from '../../db/schema.js';
import type { Pomodoro } from './pomodoro.machine.js';

export interface PomodoroStore {
  get(space: string): Promise<Pomodoro | null>;
  /** Stores a new space's pomodoro unless one exists (concurrent first visits). */
  insertIfAbsent(pomodoro: Pomodoro): Promise<void>;
  /**
   * Writes `next` only if the stored version is still `expectedVersion` (optimistic concurrency):
   * false means somebody else changed it first and the caller must re-read.
   */
  update(next: Pomodoro, expectedVersion: number): Promise<boolean>;
  /** Every space with a running deadline, for re-arming timers at start-up. */
  listDeadlines(): Promise<{ space: string; endsAt: number }[]>;
}

function toRow(p: Pomodoro, now: number): Selectable<PomodorosTable> {
  return {
    space: p.space,
    state: p.state,
    ends_at: p.endsAt,
    paused_remaining_ms: p.pausedRemainingMs,
    period_ms: p.periodMs,
    completed: p.completedPomodoros,
    cycles_done: p.cyclesDone,
    work_seconds: p.settings.workSeconds,
    short_break_seconds: p.settings.shortBreakSeconds,
    long_break_seconds: p.settings.longBreakSeconds,
    cycles_before_long_break: p.settings.cyclesBeforeLongBreak,
    activity: p.activity ? JSON.stringify(p.activity) : null,
    version: p.version,
    updated_at: now,
  };
}

function fromRow(row: Selectable<PomodorosTable>): Pomodoro {
  return {
    space: row.space,
    state: row.state as PomodoroState,
    endsAt: row.ends_at,
    pausedRemainingMs: row.paused_remaining_ms,
    periodMs: row.period_ms,
    completedPomodoros: row.completed,
    cyclesDone: row.cycles_done,
    settings: {
      workSeconds: row.work_seconds,
      shortBreakSeconds: row.short_break_seconds,
      longBreakSeconds: row.long_break_seconds,
      cyclesBeforeLongBreak: row.cycles_before_long_break,
    },
    activity: row.activity ? (JSON.parse(row.activity) as PomodoroActivity) : null,
    version: row.version,
  };
}

export function createPomodoroStore(db: Db, now: () => number): PomodoroStore {
  return {
    async get(space) {
      const row = await db.selectFrom('pomodoros').selectAll().where('space', '=', space).executeTakeFirst();
      return row ? fromRow(row) : null;
    },
    async insertIfAbsent(pomodoro) {
      await db
        .insertInto('pomodoros')
        .values(toRow(pomodoro, now()))
        .onConflict((oc) => oc.column('space').doNothing())
        .execute();
    },
    async update(next, expectedVersion) {
      const { space: _space, ...changes } = toRow(next, now());
      const result = await db
        .updateTable('pomodoros')
        .set(changes)
        .where('space', '=', next.space)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async listDeadlines() {
      const rows = await db
        .selectFrom('pomodoros')
        .select(['space', 'ends_at'])
        .where('ends_at', 'is not', null)
        .execute();
      return rows.map((r) => ({ space: r.space, endsAt: r.ends_at as number }));
    },
  };
}
