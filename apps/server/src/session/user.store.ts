import type { Role } from '@huddle/protocol';
import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/storage-errors.js';
import { nameKey } from '../lib/name-key.js';

export interface UserRecord {
  id: string;
  space: string;
  name: string;
  createdAt: number;
  /** Session tokens issued before this are refused (0: none revoked). */
  sessionsValidAfter: number;
  role: Role;
  /** When they left or were removed; null while a member. */
  removedAt: number | null;
  /** Removed, and a browser that held their session may not join again. */
  blocked: boolean;
}

export interface DeviceRecord {
  id: string;
  userId: string;
  label: string;
  createdAt: number;
  lastSeenAt: number;
  revokedAt: number | null;
}

export interface UserStore {
  findById(id: string): Promise<UserRecord | null>;
  /** The current member holding a name (removed members hold none). */
  findByName(space: string, name: string): Promise<UserRecord | null>;
  /** Inserts a member; returns null when the name is already taken in that space. */
  create(user: { id: string; space: string; name: string; createdAt: number; role?: Role }): Promise<UserRecord | null>;
  /** Renames a member; false when another member holds the name. */
  rename(id: string, name: string): Promise<boolean>;
  setRole(id: string, role: Role): Promise<void>;
  /** Hands a space over in one transaction: `to` becomes the owner, `from` (the owner) an admin. */
  handOver(from: string, to: string): Promise<void>;
  /** Ends a membership: the row stays (messages name them), the name is free again, every device signed out. */
  remove(id: string, at: number, blocked: boolean): Promise<void>;
  /** Current members of a space. */
  members(space: string): Promise<UserRecord[]>;
  /** Revokes every session token of the user issued before `at`. */
  revokeSessions(id: string, at: number): Promise<void>;
  addDevice(device: Omit<DeviceRecord, 'revokedAt'>): Promise<void>;
  findDevice(id: string): Promise<DeviceRecord | null>;
  /** Signed-in devices of a user, most recently seen first. */
  devices(userId: string): Promise<DeviceRecord[]>;
  /** Signs one device out; false when it is not that user's or already signed out. */
  revokeDevice(userId: string, deviceId: string, at: number): Promise<boolean>;
  /** Every device of the user but `keep` signed out. */
  revokeOtherDevices(userId: string, keep: string | null, at: number): Promise<void>;
  /** Records that a device came back. */
  touchDevice(id: string, at: number): Promise<void>;
}

/**
 * The name key of someone no longer a member: unique, and never the key of a real name (names cannot hold
 * control characters), so their name is free for someone else.
 */
const releasedKey = (id: string) => `\u0001${id}`;

export function createUserStore(db: Db): UserStore {
  const columns = [
    'id',
    'space',
    'name',
    'created_at',
    'sessions_valid_after',
    'role',
    'removed_at',
    'blocked',
  ] as const;
  type Row = {
    id: string;
    space: string;
    name: string;
    created_at: number;
    sessions_valid_after: number;
    role: Role;
    removed_at: number | null;
    blocked: number;
  };
  const toRecord = (row: Row): UserRecord => ({
    id: row.id,
    space: row.space,
    name: row.name,
    createdAt: row.created_at,
    sessionsValidAfter: row.sessions_valid_after,
    role: row.role,
    removedAt: row.removed_at,
    blocked: row.blocked === 1,
  });
  const deviceColumns = ['id', 'user_id', 'label', 'created_at', 'last_seen_at', 'revoked_at'] as const;
  const toDevice = (row: {
    id: string;
    user_id: string;
    label: string;
    created_at: number;
    last_seen_at: number;
    revoked_at: number | null;
  }): DeviceRecord => ({
    id: row.id,
    userId: row.user_id,
    label: row.label,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    revokedAt: row.revoked_at,
  });

  return {
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
          role: user.role ?? 'member',
        })
        .onConflict((oc) => oc.columns(['space', 'name_key']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1
        ? { ...user, role: user.role ?? 'member', sessionsValidAfter: 0, removedAt: null, blocked: false }
        : null;
    },
    async rename(id, name) {
      try {
        await db
          .updateTable('users')
          .set({ name, name_key: nameKey(name) })
          .where('id', '=', id)
          .where('removed_at', 'is', null)
          .execute();
        return true;
      } catch (err) {
        // The unique (space, name_key) constraint: someone took that name meanwhile.
        if (isUniqueViolation(err)) return false;
        throw err;
      }
    },
    async setRole(id, role) {
      await db.updateTable('users').set({ role }).where('id', '=', id).execute();
    },
    async handOver(from, to) {
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ role: 'owner' }).where('id', '=', to).execute();
        await trx.updateTable('users').set({ role: 'admin' }).where('id', '=', from).execute();
      });
    },
    async remove(id, at, blocked) {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({
            removed_at: at,
            blocked: blocked ? 1 : 0,
            role: 'member',
            name_key: releasedKey(id),
            sessions_valid_after: at,
          })
          .where('id', '=', id)
          .execute();
        await trx
          .updateTable('devices')
          .set({ revoked_at: at })
          .where('user_id', '=', id)
          .where('revoked_at', 'is', null)
          .execute();
      });
    },
    async members(space) {
      const rows = await db
        .selectFrom('users')
        .select(columns)
        .where('space', '=', space)
        .where('removed_at', 'is', null)
        .execute();
      return rows.map(toRecord);
    },
    async revokeSessions(id, at) {
      await db.updateTable('users').set({ sessions_valid_after: at }).where('id', '=', id).execute();
    },
    async addDevice(device) {
      await db
        .insertInto('devices')
        .values({
          id: device.id,
          user_id: device.userId,
          label: device.label,
          created_at: device.createdAt,
          last_seen_at: device.lastSeenAt,
        })
        .execute();
    },
    async findDevice(id) {
      const row = await db.selectFrom('devices').select(deviceColumns).where('id', '=', id).executeTakeFirst();
      return row ? toDevice(row) : null;
    },
    async devices(userId) {
      const rows = await db
        .selectFrom('devices')
        .select(deviceColumns)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .orderBy('last_seen_at', 'desc')
        .execute();
      return rows.map(toDevice);
    },
    async revokeDevice(userId, deviceId, at) {
      const result = await db
        .updateTable('devices')
        .set({ revoked_at: at })
        .where('id', '=', deviceId)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async revokeOtherDevices(userId, keep, at) {
      let query = db
        .updateTable('devices')
        .set({ revoked_at: at })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null);
      if (keep !== null) query = query.where('id', '!=', keep);
      await query.execute();
    },
    async touchDevice(id, at) {
      await db
        .updateTable('devices')
        .set({ last_seen_at: at })
        .where('id', '=', id)
        .where('last_seen_at', '<', at)
        .execute();
    },
  };
}
