import { type Kysely, type Migration, type MigrationProvider, Migrator, PostgresAdapter, sql } from 'kysely';
import { nameKey } from '../lib/name-key.js';

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
  '0007_session_versions': {
    async up(db: Kysely<unknown>) {
      // A token carries the version it was issued under: revoking every session of a user bumps it.
      await db.schema
        .alterTable('users')
        .addColumn('session_version', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // The newest token generation a device presented: older copies of its token may not revoke.
      await db.schema
        .alterTable('devices')
        .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // Every revocation, briefly kept: each node reads the recent ones to close sockets a broadcast missed.
      await db.schema
        .createTable('session_revocations')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text')
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('session_revocations_at').on('session_revocations').column('at').execute();
    },
  },
  '0008_hardening_small': {
    async up(db: Kysely<unknown>) {
      const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
      await rekeyNames(db);
      // SQLite's INTEGER is 64-bit already; PostgreSQL's was 32-bit, which a busy sensor outgrows.
      if (postgres) {
        await db.schema
          .alterTable('sensors')
          .alterColumn('total', (c) => c.setDataType('bigint'))
          .execute();
      }
      // A purchase's client-generated id: a retried `clicker:buy` finds it and is not charged again.
      // Purchases from before have none (NULLs do not collide).
      await db.schema.alterTable('clicker_purchases').addColumn('client_id', 'text').execute();
      await db.schema
        .createIndex('clicker_purchases_client_id')
        .on('clicker_purchases')
        .columns(['user_id', 'client_id'])
        .unique()
        .execute();
    },
  },
  '0009_sensor_rollups': {
    async up(db: Kysely<unknown>) {
      // Per-sensor aggregates of fixed buckets (`resolution_ms` long, starting at multiples of it), kept
      // at ingest so a long chart reads at most one row per bucket however many readings there are.
      // Minutes today; coarser resolutions (hours) are more rows of the same table.
      await db.schema
        .createTable('sensor_rollups')
        .addColumn('space', 'text', (c) => c.notNull())
        .addColumn('sensor_id', 'text', (c) => c.notNull())
        .addColumn('resolution_ms', 'integer', (c) => c.notNull())
        .addColumn('bucket_start', 'bigint', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('humidity_sum', 'double precision', (c) => c.notNull())
        .addColumn('humidity_min', 'double precision', (c) => c.notNull())
        .addColumn('humidity_max', 'double precision', (c) => c.notNull())
        .addColumn('temperature_sum', 'double precision', (c) => c.notNull())
        .addColumn('temperature_min', 'double precision', (c) => c.notNull())
        .addColumn('temperature_max', 'double precision', (c) => c.notNull())
        .addPrimaryKeyConstraint('sensor_rollups_pk', ['space', 'sensor_id', 'resolution_ms', 'bucket_start'])
        .addForeignKeyConstraint('sensor_rollups_sensor_fk', ['space', 'sensor_id'], 'sensors', ['space', 'sensor_id'])
        .execute();
      // Retention deletes by age, space by space.
      await db.schema
        .createIndex('sensor_rollups_space_time')
        .on('sensor_rollups')
        .columns(['space', 'bucket_start'])
        .execute();
      // The readings already stored, rolled up once (integer division: times are non-negative integers).
      await sql`
        INSERT INTO sensor_rollups (space, sensor_id, resolution_ms, bucket_start, count,
          humidity_sum, humidity_min, humidity_max, temperature_sum, temperature_min, temperature_max)
        SELECT space, sensor_id, 60000, (at / 60000) * 60000, count(*),
          sum(humidity), min(humidity), max(humidity), sum(temperature), min(temperature), max(temperature)
        FROM sensor_readings
        GROUP BY space, sensor_id, (at / 60000) * 60000`.execute(db);
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

/**
 * Names become unique by their confusable skeleton (`nameKey`). Members whose names already look alike
 * keep them: the earliest (then smallest id) holds the key, each later one gets a key of its own that
 * no name has, like a removed member's, until they rename. Two passes, so a new key never meets an old one.
 */
async function rekeyNames(db: Kysely<unknown>): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run on the schema of their time, not the typed one
  const users = db as Kysely<any>;
  const members: { id: string; space: string; name: string }[] = await users
    .selectFrom('users')
    .select(['id', 'space', 'name'])
    .where('removed_at', 'is', null)
    .orderBy('space')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  for (const { id } of members) {
    await users
      .updateTable('users')
      .set({ name_key: `\u0002${id}` })
      .where('id', '=', id)
      .execute();
  }
  const taken = new Set<string>();
  for (const { id, space, name } of members) {
    const key = nameKey(name);
    const spaceKey = `${space}\u0000${key}`;
    if (taken.has(spaceKey)) continue;
    taken.add(spaceKey);
    await users.updateTable('users').set({ name_key: key }).where('id', '=', id).execute();
  }
}

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
