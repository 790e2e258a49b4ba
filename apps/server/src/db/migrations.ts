import { type Kysely, type Migration, type MigrationProvider, Migrator, PostgresAdapter, sql } from 'kysely';

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
  '0002_chat': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('chat_conversations')
        .addColumn('space', 'text', (c) => c.notNull().references('spaces.slug'))
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('member_a', 'text', (c) => c.references('users.id'))
        .addColumn('member_b', 'text', (c) => c.references('users.id'))
        .addColumn('last_seq', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_conversations_pk', ['space', 'id'])
        .execute();
      // Listing a user's direct conversations.
      await db.schema
        .createIndex('chat_conversations_member_a')
        .on('chat_conversations')
        .columns(['space', 'member_a'])
        .execute();
      await db.schema
        .createIndex('chat_conversations_member_b')
        .on('chat_conversations')
        .columns(['space', 'member_b'])
        .execute();
      await db.schema
        .createTable('chat_messages')
        .addColumn('space', 'text', (c) => c.notNull())
        .addColumn('conversation', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('author_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_messages_pk', ['space', 'conversation', 'seq'])
        .addUniqueConstraint('chat_messages_client_id', ['space', 'conversation', 'author_id', 'client_id'])
        .addForeignKeyConstraint('chat_messages_conversation_fk', ['space', 'conversation'], 'chat_conversations', [
          'space',
          'id',
        ])
        .execute();
      await db.schema
        .createTable('chat_reads')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('conversation', 'text', (c) => c.notNull())
        .addColumn('last_read_seq', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_reads_pk', ['user_id', 'conversation'])
        .execute();
    },
  },
  '0003_sensors': {
    async up(db: Kysely<unknown>) {
      const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
      await db.schema
        .createTable('sensor_settings')
        .addColumn('space', 'text', (c) => c.primaryKey().references('spaces.slug'))
        .addColumn('humidity_max', 'double precision', (c) => c.notNull())
        .addColumn('temperature_max', 'double precision', (c) => c.notNull())
        .addColumn('ingest_token', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sensors')
        .addColumn('space', 'text', (c) => c.notNull().references('spaces.slug'))
        .addColumn('sensor_id', 'text', (c) => c.notNull())
        .addColumn('last_at', 'bigint', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('sensors_pk', ['space', 'sensor_id'])
        .execute();
      await db.schema
        .createTable('sensor_readings')
        // SQLite's INTEGER PRIMARY KEY is the rowid; PostgreSQL needs an identity column.
        .addColumn('id', postgres ? 'bigint' : 'integer', (c) =>
          postgres ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey(),
        )
        .addColumn('space', 'text', (c) => c.notNull())
        .addColumn('sensor_id', 'text', (c) => c.notNull())
        .addColumn('humidity', 'double precision', (c) => c.notNull())
        .addColumn('temperature', 'double precision', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addForeignKeyConstraint('sensor_readings_sensor_fk', ['space', 'sensor_id'], 'sensors', ['space', 'sensor_id'])
        .execute();
      // Newest readings of a sensor, and time ranges for the chart and CSV.
      await db.schema
        .createIndex('sensor_readings_by_time')
        .on('sensor_readings')
        .columns(['space', 'sensor_id', 'at'])
        .execute();
    },
  },
  '0004_clicker': {
    async up(db: Kysely<unknown>) {
      const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
      await db.schema
        .createTable('clicker_players')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
        .addColumn('space', 'text', (c) => c.notNull().references('spaces.slug'))
        .addColumn('gold_milli', 'bigint', (c) => c.notNull())
        .addColumn('per_click', 'bigint', (c) => c.notNull())
        .addColumn('per_second', 'bigint', (c) => c.notNull())
        .addColumn('items', 'text', (c) => c.notNull())
        .addColumn('clicks', 'bigint', (c) => c.notNull())
        .addColumn('settled_at', 'bigint', (c) => c.notNull())
        .addColumn('click_tokens_milli', 'bigint', (c) => c.notNull())
        .addColumn('tokens_at', 'bigint', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('clicker_players_space').on('clicker_players').column('space').execute();
      await db.schema
        .createTable('clicker_purchases')
        .addColumn('id', postgres ? 'bigint' : 'integer', (c) =>
          postgres ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey(),
        )
        .addColumn('space', 'text', (c) => c.notNull().references('spaces.slug'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('item', 'text', (c) => c.notNull())
        .addColumn('price', 'bigint', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('clicker_purchases_space').on('clicker_purchases').columns(['space', 'id']).execute();
    },
  },
  '0005_session_revocation': {
    async up(db: Kysely<unknown>) {
      // Tokens issued before this instant are refused: "sign out other devices" moves it to now.
      await db.schema
        .alterTable('users')
        .addColumn('sessions_valid_after', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  '0006_spaces_belong_to_their_team': {
    async up(db: Kysely<unknown>) {
      // Spaces already here were open to anyone with the link: they stay open. New ones choose.
      await db.schema
        .alterTable('spaces')
        .addColumn('visibility', 'text', (c) => c.notNull().defaultTo('open'))
        .execute();
      await db.schema
        .alterTable('spaces')
        .addColumn('lock_shared_settings', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('spaces')
        .addColumn('reading_retention_days', 'integer', (c) => c.notNull().defaultTo(90))
        .execute();
      await db.schema.alterTable('spaces').addColumn('message_retention_days', 'integer').execute();
      await db.schema
        .alterTable('users')
        .addColumn('role', 'text', (c) => c.notNull().defaultTo('member'))
        .execute();
      // Removed members keep their row (their messages still name them) but not their name.
      await db.schema.alterTable('users').addColumn('removed_at', 'bigint').execute();
      await db.schema
        .alterTable('users')
        .addColumn('blocked', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // The earliest user of each space owns it (ties: the smallest id).
      await sql`
        UPDATE users SET role = 'owner' WHERE id IN (
          SELECT u.id FROM users u WHERE NOT EXISTS (
            SELECT 1 FROM users o WHERE o.space = u.space
              AND (o.created_at < u.created_at OR (o.created_at = u.created_at AND o.id < u.id))
          )
        )`.execute(db);
      await db.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('devices_user').on('devices').column('user_id').execute();
      await db.schema
        .createTable('invites')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // SHA-256 of the secret: the database never holds a working invite.
        .addColumn('code_hash', 'text', (c) => c.notNull().unique())
        .addColumn('space', 'text', (c) => c.notNull().references('spaces.slug'))
        .addColumn('created_by', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('max_uses', 'integer')
        .addColumn('uses', 'integer', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('invites_space').on('invites').column('space').execute();
      await db.schema
        .createTable('device_links')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema.createIndex('device_links_user').on('device_links').column('user_id').execute();
      await db.schema.alterTable('chat_messages').addColumn('edited_at', 'bigint').execute();
      await db.schema.alterTable('chat_messages').addColumn('deleted_at', 'bigint').execute();
      await db.schema.alterTable('chat_conversations').addColumn('archived_at', 'bigint').execute();
      // Retention deletes by age, space by space.
      await db.schema
        .createIndex('chat_messages_by_time')
        .on('chat_messages')
        .columns(['space', 'created_at'])
        .execute();
      await db.schema
        .createIndex('sensor_readings_space_time')
        .on('sensor_readings')
        .columns(['space', 'at'])
        .execute();
    },
  },
  '0010_default_channels': {
    async up(db: Kysely<unknown>) {
      // A space's #general is created with the space from now on (a command sent the moment a socket
      // connects may need it); spaces from before that, whose #general their first connection created,
      // get theirs here if they have none yet. Written out: a migration does not follow later constants.
      await sql`
        INSERT INTO chat_conversations (space, id, kind, name, member_a, member_b, last_seq, created_at)
        SELECT s.slug, 'c:general', 'channel', 'general', NULL, NULL, 0, s.created_at FROM spaces s
        WHERE NOT EXISTS (SELECT 1 FROM chat_conversations c WHERE c.space = s.slug AND c.id = 'c:general')
      `.execute(db);
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  await migrateTo(db, null);
}

/** Migrates up to and including `name` (null: the latest); tests use it to build a database from before a migration. */
export async function migrateTo(db: Kysely<unknown>, name: string | null): Promise<void> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await (name === null ? migrator.migrateToLatest() : migrator.migrateTo(name));
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed`, { cause: error });
  }
}
