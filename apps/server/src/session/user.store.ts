import type { Db } from '../db/database.js';

export interface UserRecord {
  id: string;
  space: string;
  name: string;
  createdAt: number;
  /** Session tokens issued before this are refused (0: none revoked). */
  sessionsValidAfter: number;
}

export interface UserStore {
  /** Creates the space row if it does not exist yet (spaces are created on first visit). */
  ensureSpace(slug: string, now: number): Promise<void>;
  findById(id: string): Promise<UserRecord | null>;
  findByName(space: string, name: string): Promise<UserRecord | null>;
  /** Inserts a user; returns null when the name is already taken in that space. */
  create(user: Omit<UserRecord, 'sessionsValidAfter'>): Promise<UserRecord | null>;
  /** Revokes every session token of the user issued before `at`. */
  revokeSessions(id: string, at: number): Promise<void>;
}

/** Names collide regardless of case and Unicode width ("Ana" = "ANA" = "Ａｎａ"). */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toLocaleLowerCase('en');
}

export function createUserStore(db: Db): UserStore {
  const toRecord = (row: {
    id: string;
    space: string;
    name: string;
    created_at: number;
    sessions_valid_after: number;
  }): UserRecord => ({
    id: row.id,
    space: row.space,
    name: row.name,
    createdAt: row.created_at,
    sessionsValidAfter: row.sessions_valid_after,
  });
  const columns = ['id', 'space', 'name', 'created_at', 'sessions_valid_after'] as const;

  return {
    async ensureSpace(slug, now) {
      await db
        .insertInto('spaces')
        .values({ slug, created_at: now })
        .onConflict((oc) => oc.column('slug').doNothing())
        .execute();
    },
    async findById(id) {
      const row = await db.selectFrom('users').select(columns).where('id', '=', id).executeTakeFirst();
      return row ? toRecord(row) : null;
    },
    async findByName(space, name) {
      const row = await db
        .selectFrom('users')
        .select(columns)
        .where('space', '=', space)
        .where('name_key', '=', nameKey(name))
        .executeTakeFirst();
      return row ? toRecord(row) : null;
    },
    async create(user) {
      const result = await db
        .insertInto('users')
        .values({
          id: user.id,
          space: user.space,
          name: user.name,
          name_key: nameKey(user.name),
          created_at: user.createdAt,
        })
        .onConflict((oc) => oc.columns(['space', 'name_key']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1 ? { ...user, sessionsValidAfter: 0 } : null;
    },
    async revokeSessions(id, at) {
      await db.updateTable('users').set({ sessions_valid_after: at }).where('id', '=', id).execute();
    },
  };
}
