import type { Db } from '../../db/database.js';
import type { FeatureData } from '../../feature.js';

/** The pomodoro's table in a space's data lifecycle: one row per space (its settings and its count). */
export function pomodoroData(db: Db, forget: (space: string) => void): FeatureData {
  return {
    async *exportSpace(space) {
      const row = await db
        .selectFrom('pomodoros')
        .select(['work_seconds', 'short_break_seconds', 'long_break_seconds', 'cycles_before_long_break', 'completed'])
        .where('space', '=', space)
        .executeTakeFirst();
      if (!row) return;
      yield {
        type: 'settings',
        scope: 'pomodoro',
        workSeconds: row.work_seconds,
        shortBreakSeconds: row.short_break_seconds,
        longBreakSeconds: row.long_break_seconds,
        cyclesBeforeLongBreak: row.cycles_before_long_break,
        completedPomodoros: row.completed,
      };
    },
    async deleteSpace(trx, space) {
      await trx.deleteFrom('pomodoros').where('space', '=', space).execute();
    },
    forgetSpace: forget,
  };
}
