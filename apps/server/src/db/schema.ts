import type { ColumnType } from 'kysely';

/** Epoch milliseconds. PostgreSQL BIGINT is parsed to number (safe: dates fit in 2^53). */
type Millis = number;

export interface SpacesTable {
  slug: string;
  created_at: Millis;
}

export interface UsersTable {
  id: string;
  space: string;
  name: string;
  /** Case- and width-folded name: names are unique per space by this key. */
  name_key: string;
  created_at: Millis;
}

export interface PomodorosTable {
  space: string;
  state: number;
  ends_at: Millis | null;
  paused_remaining_ms: number | null;
  period_ms: number | null;
  completed: number;
  cycles_done: number;
  work_seconds: number;
  short_break_seconds: number;
  long_break_seconds: number;
  cycles_before_long_break: number;
  /** JSON of PomodoroActivity. */
  activity: ColumnType<string | null, string | null, string | null>;
  version: number;
  updated_at: Millis;
}

export interface Database {
  spaces: SpacesTable;
  users: UsersTable;
  pomodoros: PomodorosTable;
}
