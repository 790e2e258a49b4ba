import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrateTo } from '../src/db/migrations.js';
import { chatData } from '../src/features/chat/chat.data.js';
import { createSpaceStore } from '../src/space/space.store.js';
import { createPgDatabase, storageBackends, tempDir, useStorage } from './helpers.js';

const T0 = 1_800_000_000_000;

describe.each(storageBackends)('a space and its #general on $name', (backend) => {
  const storage = useStorage(backend);
  const seeds = () => {
    const { seedSpace } = chatData(storage.db);
    return seedSpace ? [seedSpace] : [];
  };
  const generalOf = (space: string) =>
    storage.db
      .selectFrom('chat_conversations')
      .select(['id', 'kind', 'name', 'last_seq', 'created_at'])
      .where('space', '=', space)
      .execute();

  it('are created together, once', async () => {
    const spaces = createSpaceStore(storage.db, seeds);
    expect(await spaces.create('seeded', 'open', T0)).toBe(true);
    expect(await spaces.create('seeded', 'private', T0 + 1)).toBe(false);
    expect(await generalOf('seeded')).toEqual([
      { id: 'c:general', kind: 'channel', name: 'general', last_seq: 0, created_at: T0 },
    ]);
  });

  it('are not created at all when a seed fails: no space without what it starts with', async () => {
    const spaces = createSpaceStore(storage.db, () => [
      ...seeds(),
      async () => {
        throw new Error('seed failed');
      },
    ]);
    await expect(spaces.create('half', 'open', T0)).rejects.toThrow('seed failed');
    expect(await createSpaceStore(storage.db).settings('half')).toBeNull();
    expect(await generalOf('half')).toEqual([]);
  });
});

/** A database of `kind` migrated up to before the default channels, and how to open it raw. */
async function legacyDatabases() {
  const dir = tempDir('huddle-migrate-');
  const pgDb = await createPgDatabase();
  // biome-ignore lint/suspicious/noExplicitAny: a database from before the migration has no typed schema here
  const sqlite = new Kysely<any>({
    dialect: new SqliteDialect({ database: new SQLite(path.join(dir.dir, 'old.db')) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const postgres = new Kysely<any>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: pgDb.url, max: 2 }) }),
  });
  return {
    dbs: [
      ['SQLite', sqlite],
      ['PostgreSQL', postgres],
    ] as const,
    async close() {
      await sqlite.destroy();
      await postgres.destroy();
      await pgDb.drop();
      dir.remove();
    },
  };
}

describe('migration 0010 on a database from before it', () => {
  it('gives every space without a #general its own, and leaves the ones that have one alone', async () => {
    const legacy = await legacyDatabases();
    try {
      for (const [name, db] of legacy.dbs) {
        await migrateTo(db, '0006_spaces_belong_to_their_team');
        await db
          .insertInto('spaces')
          .values([
            { slug: 'never-opened', created_at: 5 },
            { slug: 'chatted', created_at: 7 },
          ])
          .execute();
        // A space whose first connection created #general (the old way), and where people talked.
        await db
          .insertInto('chat_conversations')
          .values({ space: 'chatted', id: 'c:general', kind: 'channel', name: 'general', last_seq: 3, created_at: 9 })
          .execute();
        await migrateTo(db, null);
        const rows = await db
          .selectFrom('chat_conversations')
          .select(['space', 'id', 'kind', 'name', 'last_seq', 'created_at'])
          .orderBy('space')
          .execute();
        expect(
          rows.map((r) => ({ ...r, last_seq: Number(r.last_seq), created_at: Number(r.created_at) })),
          name,
        ).toEqual([
          { space: 'chatted', id: 'c:general', kind: 'channel', name: 'general', last_seq: 3, created_at: 9 },
          { space: 'never-opened', id: 'c:general', kind: 'channel', name: 'general', last_seq: 0, created_at: 5 },
        ]);
      }
    } finally {
      await legacy.close();
    }
  });
});
