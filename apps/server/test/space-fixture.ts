import { randomBytes } from 'node:crypto';
import { DEFAULT_POMODORO_SETTINGS } from '@huddle/protocol';
import { sql } from 'kysely';
import type { Db } from '../src/db/database.js';
import type { Database } from '../src/db/schema.js';
import { chatData } from '../src/features/chat/chat.data.js';
import { clickerData } from '../src/features/clicker/clicker.data.js';
import { pomodoroData } from '../src/features/pomodoro/pomodoro.data.js';
import { initialPomodoro } from '../src/features/pomodoro/pomodoro.machine.js';
import { createPomodoroStore } from '../src/features/pomodoro/pomodoro.store.js';
import { sensorData } from '../src/features/sensor/sensor.data.js';
import { addToRollups } from '../src/features/sensor/sensor.store.js';
import { composeSpaceData, type SpaceData } from '../src/space/space-data.js';

export const DAY_MS = 24 * 3_600_000;

/**
 * How each table's rows of one space are found. A `Record` over every table of the schema: a new table
 * does not compile here until it says how, so the deletion and export tests cover it.
 */
const SCOPE: Record<keyof Database, 'slug' | 'space' | 'user'> = {
  spaces: 'slug',
  users: 'space',
  devices: 'user',
  session_revocations: 'user',
  invites: 'space',
  device_links: 'user',
  pomodoros: 'space',
  chat_conversations: 'space',
  chat_messages: 'space',
  chat_reads: 'user',
  sensor_settings: 'space',
  sensors: 'space',
  sensor_readings: 'space',
  sensor_rollups: 'space',
  clicker_players: 'space',
  clicker_purchases: 'space',
};

export const TABLES = Object.keys(SCOPE) as (keyof Database)[];

export interface SeededSpace {
  space: string;
  userIds: string[];
  /** Strings that must never leave the server in an export. */
  secrets: string[];
  /** Text only the two members of a direct conversation may read. */
  directText: string;
}

export interface SeedOptions {
  now: number;
  /** Readings older than `oldAt` first, then recent ones. */
  oldReadings?: number;
  readings?: number;
  oldMessages?: number;
  messages?: number;
  /** When the old rows were written. */
  oldAt?: number;
  readingRetentionDays?: number;
  messageRetentionDays?: number | null;
}

/** A space with rows in every table: two members, a channel and a direct conversation, a sensor, a game. */
export async function seedSpace(db: Db, space: string, options: SeedOptions): Promise<SeededSpace> {
  const { now, oldReadings = 0, readings = 5, oldMessages = 0, messages = 5, oldAt = now - 10 * DAY_MS } = options;
  const [owner, member] = [`${space}-owner`, `${space}-member`];
  const ingestToken = `ingest-${randomBytes(12).toString('hex')}`;
  const inviteHash = `invite-${randomBytes(12).toString('hex')}`;
  const linkHash = `link-${randomBytes(12).toString('hex')}`;
  const directText = `between us ${randomBytes(6).toString('hex')}`;

  await db
    .insertInto('spaces')
    .values({
      slug: space,
      created_at: now - 30 * DAY_MS,
      visibility: 'private',
      reading_retention_days: options.readingRetentionDays ?? 90,
      message_retention_days: options.messageRetentionDays ?? null,
    })
    .execute();
  await db
    .insertInto('users')
    .values([
      { id: owner, space, name: 'Ana', name_key: 'ana', created_at: now - 30 * DAY_MS, role: 'owner' },
      { id: member, space, name: 'Bo', name_key: 'bo', created_at: now - 20 * DAY_MS, role: 'member' },
    ])
    .execute();
  await db
    .insertInto('devices')
    .values(
      [owner, member].map((u) => ({
        id: `${u}-device`,
        user_id: u,
        label: 'Firefox',
        created_at: now,
        last_seen_at: now,
      })),
    )
    .execute();
  await db
    .insertInto('session_revocations')
    .values({ at: now, user_id: member, device_id: `${member}-old-device`, version: 0, reason: 'signed-out' })
    .execute();
  await db
    .insertInto('invites')
    .values({
      id: `${space}-invite`,
      code_hash: inviteHash,
      space,
      created_by: owner,
      created_at: now,
      expires_at: now + DAY_MS,
      max_uses: null,
      uses: 0,
    })
    .execute();
  await db
    .insertInto('device_links')
    .values({ code_hash: linkHash, user_id: owner, created_at: now, expires_at: now + 600_000 })
    .execute();
  await createPomodoroStore(db, () => now).insertIfAbsent(initialPomodoro(space, DEFAULT_POMODORO_SETTINGS));

  const direct = `dm:${owner}:${member}`;
  const total = oldMessages + messages;
  await db
    .insertInto('chat_conversations')
    .values([
      {
        space,
        id: 'c:general',
        kind: 'channel',
        name: 'general',
        member_a: null,
        member_b: null,
        last_seq: total,
        created_at: now - 30 * DAY_MS,
      },
      {
        space,
        id: direct,
        kind: 'direct',
        name: null,
        member_a: owner,
        member_b: member,
        last_seq: 1,
        created_at: now - 30 * DAY_MS,
      },
    ])
    .execute();
  const chat = Array.from({ length: total }, (_, i) => ({
    space,
    conversation: 'c:general',
    seq: i + 1,
    author_id: i % 2 ? member : owner,
    client_id: `client-${i}`,
    text: `message ${i + 1}`,
    created_at: i < oldMessages ? oldAt + i : now - 3_600_000 + i,
  }));
  for (let i = 0; i < chat.length; i += 1000)
    await db
      .insertInto('chat_messages')
      .values(chat.slice(i, i + 1000))
      .execute();
  await db
    .insertInto('chat_messages')
    .values({
      space,
      conversation: direct,
      seq: 1,
      author_id: owner,
      client_id: 'dm-1',
      text: directText,
      created_at: now,
    })
    .execute();
  await db
    .insertInto('chat_reads')
    .values([
      { user_id: owner, conversation: 'c:general', last_read_seq: total },
      { user_id: member, conversation: direct, last_read_seq: 1 },
    ])
    .execute();

  await db
    .insertInto('sensor_settings')
    .values({ space, humidity_max: 60, temperature_max: 80, ingest_token: ingestToken, updated_at: now })
    .execute();
  const allReadings = oldReadings + readings;
  await db.insertInto('sensors').values({ space, sensor_id: 'room', last_at: now, total: allReadings }).execute();
  await insertReadings(db, space, 'room', oldReadings, (i) => oldAt + i);
  await insertReadings(db, space, 'room', readings, (i) => now - 3_600_000 + i);

  await db
    .insertInto('clicker_players')
    .values(
      [owner, member].map((u) => ({
        user_id: u,
        space,
        gold_milli: 5000,
        per_click: 1,
        per_second: 0,
        items: '{}',
        clicks: 5,
        settled_at: now,
        click_tokens_milli: 0,
        tokens_at: now,
        version: 1,
      })),
    )
    .execute();
  await db
    .insertInto('clicker_purchases')
    .values({ space, user_id: owner, item: 'shovel', price: 10, at: now })
    .execute();

  return { space, userIds: [owner, member], secrets: [ingestToken, inviteHash, linkHash], directText };
}

/**
 * Inserts `count` readings of one sensor and adds them to its rollups (its `sensors` row is the caller's),
 * 1,000 rows a statement.
 */
export async function insertReadings(
  db: Db,
  space: string,
  sensorId: string,
  count: number,
  at: (i: number) => number,
) {
  for (let i = 0; i < count; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({
      space,
      sensor_id: sensorId,
      humidity: 40 + ((i + j) % 20),
      temperature: 70,
      at: at(i + j),
      received_at: at(i + j),
    }));
    await db.insertInto('sensor_readings').values(rows).execute();
    await addToRollups(
      db,
      space,
      sensorId,
      rows.map((r) => ({ ...r, sensorId })),
    );
  }
}

/** Rows of `space` in every table (rows without a space column are found by the space's user ids). */
export async function rowCounts(
  db: Db,
  space: string,
  userIds: readonly string[],
): Promise<Record<keyof Database, number>> {
  const counts = {} as Record<keyof Database, number>;
  for (const table of TABLES) {
    const where =
      SCOPE[table] === 'user'
        ? sql`${sql.ref('user_id')} in (${sql.join(userIds)})`
        : sql`${sql.ref(SCOPE[table] === 'slug' ? 'slug' : 'space')} = ${space}`;
    const { rows } = await sql<{
      n: number | string;
    }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(db);
    counts[table] = Number(rows[0]?.n ?? 0);
  }
  return counts;
}

/** Every row of every table, whoever's. */
export async function totalRows(db: Db): Promise<number> {
  let total = 0;
  for (const table of TABLES) {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
    total += Number(rows[0]?.n ?? 0);
  }
  return total;
}

/** The app's composition of every feature's data part, without the app (no broadcasts, nothing in memory). */
export function spaceDataOn(
  db: Db,
  now: () => number,
  onReadingsDeleted: (space: string) => void = () => {},
): SpaceData {
  const nothing = () => {};
  return composeSpaceData(db, now, () => [
    pomodoroData(db, nothing),
    chatData(db),
    sensorData(db, { readingsDeleted: onReadingsDeleted, forget: nothing }),
    clickerData(db, nothing),
  ]);
}
