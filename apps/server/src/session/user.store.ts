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
  /** Tokens issued under an older session version are refused. */
  sessionVersion: number;
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
  /** The newest token generation the device presented. */
  generation: number;
}

/** Why sessions were revoked: what a closed tab is told (`revoked`: nothing, it reconnects with its new token). */
export type RevocationReason = 'removed' | 'left' | 'signed-out' | 'revoked';

/** One revocation: a device signed out (`deviceId`), or every session of the user older than `version`. */
export interface Revocation {
  at: number;
  userId: string;
  deviceId: string | null;
  version: number;
  reason: RevocationReason;
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
  remove(
    id: string,
    at: number,
    blocked: boolean,
    reason?: Extract<RevocationReason, 'removed' | 'left'>,
  ): Promise<void>;
  /** Current members of a space. */
  members(space: string): Promise<UserRecord[]>;
  /**
   * Signs the user out everywhere but on `keep`: every other device is signed out and the session version
   * goes up, so every token issued before (`keep`'s too) is refused. Answers the new version.
   */
  revokeOtherSessions(userId: string, keep: string, at: number): Promise<number>;
  addDevice(device: Omit<DeviceRecord, 'revokedAt' | 'generation'>): Promise<void>;
  /** A user and one device of theirs (null when it is not theirs or unknown), in one read. */
  findWithDevice(userId: string, deviceId: string): Promise<{ user: UserRecord; device: DeviceRecord | null } | null>;
  /**
   * Whether a session of `userId` on `deviceId` with token version `version` still stands: the user is a
   * member, no revocation since raised their session version past it, and the device is theirs and signed in.
   * One indexed read.
   */
  sessionStands(userId: string, deviceId: string, version: number): Promise<boolean>;
  /** Signed-in devices of a user, most recently seen first. */
  devices(userId: string): Promise<DeviceRecord[]>;
  /** Signs one device out; false when it is not that user's or already signed out. */
  revokeDevice(userId: string, deviceId: string, at: number): Promise<boolean>;
  /** Records that a device came back. */
  touchDevice(id: string, at: number): Promise<void>;
  /** A device presented a newer token generation: it becomes the device's (never lowered), and the device is seen. */
  confirmGeneration(id: string, generation: number, at: number): Promise<void>;
  /** Revocations recorded at or after `since`, oldest first. */
  revocationsSince(since: number): Promise<Revocation[]>;
  /** Forgets revocations recorded before `before`: every node has read them long ago. */
  forgetRevocations(before: number): Promise<void>;
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
    'session_version',
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
    session_version: number;
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
    sessionVersion: row.session_version,
    role: row.role,
    removedAt: row.removed_at,
    blocked: row.blocked === 1,
  });
  const deviceColumns = ['id', 'user_id', 'label', 'created_at', 'last_seen_at', 'revoked_at', 'generation'] as const;
  const toDevice = (row: {
    id: string;
    user_id: string;
    label: string;
    created_at: number;
    last_seen_at: number;
    revoked_at: number | null;
    generation: number;
  }): DeviceRecord => ({
    id: row.id,
    userId: row.user_id,
    label: row.label,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    revokedAt: row.revoked_at,
    generation: row.generation,
  });
  type Trx = Parameters<Parameters<ReturnType<Db['transaction']>['execute']>[0]>[0];
  /** Bumps the user's session version inside `trx` and records why; answers the new version. */
  async function bumpVersion(trx: Trx, userId: string, at: number, reason: RevocationReason): Promise<number> {
    const row = await trx
      .updateTable('users')
      .set((eb) => ({ session_version: eb('session_version', '+', 1) }))
      .where('id', '=', userId)
      .returning('session_version')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('session_revocations')
      .values({ at, user_id: userId, device_id: null, version: row.session_version, reason })
      .execute();
    return row.session_version;
  }

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
        ? {
            ...user,
            role: user.role ?? 'member',
            sessionsValidAfter: 0,
            sessionVersion: 0,
            removedAt: null,
            blocked: false,
          }
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
    async remove(id, at, blocked, reason = 'removed') {
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
        await bumpVersion(trx, id, at, reason);
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
    async revokeOtherSessions(userId, keep, at) {
      return db.transaction().execute(async (trx) => {
        await trx
          .updateTable('devices')
          .set({ revoked_at: at })
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null)
          .where('id', '!=', keep)
          .execute();
        return bumpVersion(trx, userId, at, 'revoked');
      });
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
    async findWithDevice(userId, deviceId) {
      const row = await db
        .selectFrom('users')
        .leftJoin('devices', (join) => join.onRef('devices.user_id', '=', 'users.id').on('devices.id', '=', deviceId))
        .select(columns.map((c) => `users.${c}` as const))
        .select([
          'devices.id as device_id',
          'devices.label as device_label',
          'devices.created_at as device_created_at',
          'devices.last_seen_at as device_last_seen_at',
          'devices.revoked_at as device_revoked_at',
          'devices.generation as device_generation',
        ])
        .where('users.id', '=', userId)
        .executeTakeFirst();
      if (!row) return null;
      const device =
        row.device_id === null
          ? null
          : toDevice({
              id: row.device_id,
              user_id: row.id,
              label: row.device_label as string,
              created_at: row.device_created_at as number,
              last_seen_at: row.device_last_seen_at as number,
              revoked_at: row.device_revoked_at,
              generation: row.device_generation as number,
            });
      return { user: toRecord(row), device };
    },
    async sessionStands(userId, deviceId, version) {
      const row = await db
        .selectFrom('users')
        .innerJoin('devices', 'devices.user_id', 'users.id')
        .select('devices.id')
        .where('users.id', '=', userId)
        .where('users.removed_at', 'is', null)
        .where('users.session_version', '<=', version)
        .where('devices.id', '=', deviceId)
        .where('devices.revoked_at', 'is', null)
        .executeTakeFirst();
      return row !== undefined;
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
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('devices')
          .set({ revoked_at: at })
          .where('id', '=', deviceId)
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        const user = await trx
          .selectFrom('users')
          .select('session_version')
          .where('id', '=', userId)
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('session_revocations')
          .values({ at, user_id: userId, device_id: deviceId, version: user.session_version, reason: 'signed-out' })
          .execute();
        return true;
      });
    },
    async touchDevice(id, at) {
      await db
        .updateTable('devices')
        .set({ last_seen_at: at })
        .where('id', '=', id)
        .where('last_seen_at', '<', at)
        .execute();
    },
    async confirmGeneration(id, generation, at) {
      await db
        .updateTable('devices')
        .set({ generation, last_seen_at: at })
        .where('id', '=', id)
        .where('generation', '<', generation)
        .execute();
    },
    async revocationsSince(since) {
      const rows = await db
        .selectFrom('session_revocations')
        .select(['at', 'user_id', 'device_id', 'version', 'reason'])
        .where('at', '>=', since)
        .orderBy('at')
        .execute();
      return rows.map((r) => ({
        at: r.at,
        userId: r.user_id,
        deviceId: r.device_id,
        version: r.version,
        reason: r.reason,
      }));
    },
    async forgetRevocations(before) {
      await db.deleteFrom('session_revocations').where('at', '<', before).execute();
    },
  };
}
