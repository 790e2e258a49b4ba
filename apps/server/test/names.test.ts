import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateTo } from '../src/db/migrations.js';
import { nameKey } from '../src/lib/name-key.js';
import type { RunningHuddle } from '../src/server.js';
import { createUserStore } from '../src/session/user.store.js';
import { createSpaceStore } from '../src/space/space.store.js';
import { createPgDatabase, startTestServer, storageBackends, tempDir, uniqueSpace, useStorage } from './helpers.js';

const CYRILLIC_A = '\u0410';
const GREEK_NU = '\u039D';

describe('name keys', () => {
  it('are equal for names that look alike, whatever the script, case or width', () => {
    const ana = nameKey('Ana');
    for (const lookalike of [`${CYRILLIC_A}na`, 'ANA', 'ana', '\uFF21\uFF4E\uFF41', `A${GREEK_NU}A`]) {
      expect(nameKey(lookalike), lookalike).toBe(ana);
    }
    expect(nameKey('B0b')).toBe(nameKey('Bob'));
    // Case variants are one name whatever the skeleton does to a capital (it maps I to l, not i).
    expect(nameKey('AADMIN7')).toBe(nameKey('Aadmin7'));
    expect(nameKey('MILLI')).toBe(nameKey('milli'));
    expect(nameKey('\u041Aate')).toBe(nameKey('Kate'));
    expect(nameKey('Al')).toBe(nameKey('AI'));
    expect(nameKey('Tim')).toBe(nameKey('Tirn'));
    expect(nameKey('Ana \u2764\uFE0F')).toBe(nameKey('Ana \u2764'));
  });

  it('differ for names people tell apart', () => {
    expect(nameKey('José')).not.toBe(nameKey('Jose'));
    expect(nameKey('Ana')).not.toBe(nameKey('Ann'));
    expect(nameKey('李')).not.toBe(nameKey('季'));
  });
});

describe.each(storageBackends)('names unique by their skeleton on $name', (backend) => {
  const storage = useStorage(backend);
  const T0 = 1_800_000_000_000;

  it('refuses a look-alike of a member’s name, to join or to rename, and lets its holder take it', async () => {
    await createSpaceStore(storage.db).create('lookalikes', 'open', T0);
    const users = createUserStore(storage.db);
    expect(await users.create({ id: 'u-ana', space: 'lookalikes', name: 'Ana', createdAt: T0 })).not.toBeNull();
    expect(
      await users.create({ id: 'u-fake', space: 'lookalikes', name: `${CYRILLIC_A}na`, createdAt: T0 }),
    ).toBeNull();
    expect(await users.create({ id: 'u-bo', space: 'lookalikes', name: 'Bo', createdAt: T0 })).not.toBeNull();
    expect(await users.rename('u-bo', `A${GREEK_NU}A`)).toBe(false);
    expect(await users.findById('u-bo')).toMatchObject({ name: 'Bo' });
    expect(await users.findByName('lookalikes', `${CYRILLIC_A}na`)).toMatchObject({ id: 'u-ana' });
    expect(await users.rename('u-ana', `${CYRILLIC_A}NA`)).toBe(true);
  });
});

/** A database of each kind built up to before 0008, with rows of that time, then migrated. */
const oldDatabases = [
  {
    name: 'SQLite',
    async open() {
      const dir = tempDir('huddle-migrate-');
      // biome-ignore lint/suspicious/noExplicitAny: a database from before migration 0008 has no typed schema here
      const db = new Kysely<any>({
        dialect: new SqliteDialect({ database: new SQLite(path.join(dir.dir, 'old.db')) }),
      });
      return { db, cleanup: async () => dir.remove() };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const database = await createPgDatabase();
      // biome-ignore lint/suspicious/noExplicitAny: as above
      const db = new Kysely<any>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 2 }) }),
      });
      return { db, cleanup: () => database.drop() };
    },
  },
];

describe.each(oldDatabases)('migration 0008 on a $name database from before it', (backend) => {
  it('keys names by skeleton, keeps look-alikes that already collided, and widens sensors.total', async () => {
    const { db, cleanup } = await backend.open();
    try {
      await migrateTo(db, '0006_spaces_belong_to_their_team');
      await db.insertInto('spaces').values({ slug: 'legacy', created_at: 1 }).execute();
      const user = (id: string, name: string, at: number, removed: number | null = null) => ({
        id,
        space: 'legacy',
        name,
        name_key: removed === null ? name.normalize('NFKC').toLowerCase() : `\u0001${id}`,
        created_at: at,
        removed_at: removed,
      });
      await db
        .insertInto('users')
        .values([
          user('u-late', `${CYRILLIC_A}na`, 20),
          user('u-first', 'Ana', 10),
          user('u-bo', 'Bo', 30),
          user('u-gone', 'Cy', 5, 40),
        ])
        .execute();
      await migrateTo(db, null);

      const keys = await db.selectFrom('users').select(['id', 'name', 'name_key']).orderBy('id').execute();
      expect(keys).toEqual([
        { id: 'u-bo', name: 'Bo', name_key: nameKey('Bo') },
        { id: 'u-first', name: 'Ana', name_key: nameKey('Ana') },
        { id: 'u-gone', name: 'Cy', name_key: '\u0001u-gone' },
        // Kept, with a key no name has: the earlier member holds the skeleton.
        { id: 'u-late', name: `${CYRILLIC_A}na`, name_key: '\u0002u-late' },
      ]);
      const users = createUserStore(db);
      expect(await users.create({ id: 'u-new', space: 'legacy', name: 'ANA', createdAt: 50 })).toBeNull();
      expect(await users.create({ id: 'u-cy', space: 'legacy', name: 'Cy', createdAt: 50 })).not.toBeNull();
      // The late look-alike may rename to a name of their own.
      expect(await users.rename('u-late', 'Anya')).toBe(true);

      // 2^32 readings: past a 32-bit integer.
      await db
        .insertInto('sensors')
        .values({ space: 'legacy', sensor_id: 'room', last_at: 1, total: 2 ** 32 })
        .execute();
      const { total } = await db.selectFrom('sensors').select('total').executeTakeFirstOrThrow();
      expect(Number(total)).toBe(2 ** 32);
    } finally {
      await db.destroy();
      await cleanup();
    }
  });
});

describe('joining with a look-alike or blank name', () => {
  let server: RunningHuddle;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });
  const post = (body: object) =>
    fetch(`${server.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('answers NAME_TAKEN for a look-alike of a member’s name', async () => {
    const space = uniqueSpace();
    expect((await post({ space, name: 'Ana', create: { visibility: 'open' } })).status).toBe(201);
    const fake = await post({ space, name: `${CYRILLIC_A}na` });
    expect(fake.status).toBe(409);
    expect(await fake.json()).toEqual({
      error: { code: 'NAME_TAKEN', message: 'That name is taken in this space', field: 'name' },
    });
  });

  it.each([
    ['Ana\u3164', /invisible or blank/],
    ['\u3164', /invisible or blank/],
    ['Ana\u2800', /invisible or blank/],
    ['\uFE0F', /invisible or blank/],
  ])('refuses %j as BAD_REQUEST with a clear message', async (name, message) => {
    const res = await post({ space: uniqueSpace(), name, create: { visibility: 'open' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'BAD_REQUEST', field: 'name', message } });
  });
});
