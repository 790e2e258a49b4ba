import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';

// Written once with the schema builder so the same migration runs on SQLite and PostgreSQL.
// Append new migrations; never edit one that has shipped.
const migrations: Record<string, Migration> = {
  '0001_spaces_users_pomodoros': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('spaces')
        .addColumn('slug', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('space', 'text', (c) => c.notNull().references('spaces.slug'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('users_space_name_key', ['space', 'name_key'])
        .execute();
      await db.schema
        .createTable('pomodoros')
        .addColumn('space', 'text', (c) => c.primaryKey().references('spaces.slug'))
        .addColumn('state', 'integer', (c) => c.notNull())
        .addColumn('ends_at', 'bigint')
        .addColumn('paused_remaining_ms', 'bigint')
        .addColumn('period_ms', 'bigint')
        .addColumn('completed', 'integer', (c) => c.notNull())
        .addColumn('cycles_done', 'integer', (c) => c.notNull())
        .addColumn('work_seconds', 'integer', (c) => c.notNull())
        .addColumn('short_break_seconds', 'integer', (c) => c.notNull())
        .addColumn('long_break_seconds', 'integer', (c) => c.notNull())
        .addColumn('cycles_before_long_break', 'integer', (c) => c.notNull())
        .addColumn('activity', 'text')
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // Start-up scans for deadlines to re-arm.
      await db.schema.createIndex('pomodoros_ends_at').on('pomodoros').column('ends_at').execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed`, { cause: error });
  }
}
