import type { SpaceSettings, Visibility } from '@huddle/protocol';
import type { Transaction } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';

export interface InviteRecord {
  id: string;
  space: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  maxUses: number | null;
  uses: number;
  revokedAt: number | null;
}

/** Why an invite that exists cannot be used, or null when it can. */
export function inviteUnusable(invite: InviteRecord, now: number): 'revoked' | 'expired' | 'used up' | null {
  if (invite.revokedAt !== null) return 'revoked';
  if (invite.expiresAt <= now) return 'expired';
  if (invite.maxUses !== null && invite.uses >= invite.maxUses) return 'used up';
  return null;
}

/** Writes a feature's rows of a new space inside the transaction that creates the space. */
export type SpaceSeed = (trx: Transaction<Database>, space: string, now: number) => Promise<void>;

export interface SpaceStore {
  /** Creates the space with every seed's rows, in one transaction; false (and nothing written) when it exists already. */
  create(slug: string, visibility: Visibility, now: number): Promise<boolean>;
  settings(slug: string): Promise<SpaceSettings | null>;
  updateSettings(slug: string, patch: Partial<SpaceSettings>): Promise<void>;
  addInvite(invite: InviteRecord & { codeHash: string }): Promise<void>;
  inviteByHash(codeHash: string): Promise<InviteRecord | null>;
  /** Takes one use of a usable invite of `space`; false when it is not (or no longer) usable. Atomic across nodes. */
  useInvite(space: string, codeHash: string, now: number): Promise<boolean>;
  /** Gives back a use taken by a join that then failed. */
  returnInvite(codeHash: string): Promise<void>;
  liveInvites(space: string, now: number): Promise<InviteRecord[]>;
  revokeInvite(space: string, id: string, now: number): Promise<boolean>;
  addDeviceLink(link: { codeHash: string; userId: string; createdAt: number; expiresAt: number }): Promise<void>;
  /** Uses a device link once; the user it signs in as, or null when it is unknown, used or expired. */
  useDeviceLink(codeHash: string, now: number): Promise<string | null>;
}

/** `seeds` are read when a space is created: the features that declare them are built after the store. */
export function createSpaceStore(db: Db, seeds: () => readonly SpaceSeed[] = () => []): SpaceStore {
  const inviteColumns = [
    'id',
    'space',
    'created_by',
    'created_at',
    'expires_at',
    'max_uses',
    'uses',
    'revoked_at',
  ] as const;
  const toInvite = (row: {
    id: string;
    space: string;
    created_by: string;
    created_at: number;
    expires_at: number;
    max_uses: number | null;
    uses: number;
    revoked_at: number | null;
  }): InviteRecord => ({
    id: row.id,
    space: row.space,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    maxUses: row.max_uses,
    uses: row.uses,
    revokedAt: row.revoked_at,
  });

  return {
    create(slug, visibility, now) {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .insertInto('spaces')
          .values({ slug, created_at: now, visibility })
          .onConflict((oc) => oc.column('slug').doNothing())
          .executeTakeFirst();
        if (Number(result.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
        for (const seed of seeds()) await seed(trx, slug, now);
        return true;
      });
    },
    async settings(slug) {
      const row = await db
        .selectFrom('spaces')
        .select(['visibility', 'lock_shared_settings', 'reading_retention_days', 'message_retention_days'])
        .where('slug', '=', slug)
        .executeTakeFirst();
      return row
        ? {
            visibility: row.visibility,
            lockSharedSettings: row.lock_shared_settings === 1,
            readingRetentionDays: row.reading_retention_days,
            messageRetentionDays: row.message_retention_days,
          }
        : null;
    },
    async updateSettings(slug, patch) {
      await db
        .updateTable('spaces')
        .set({
          ...(patch.visibility === undefined ? {} : { visibility: patch.visibility }),
          ...(patch.lockSharedSettings === undefined ? {} : { lock_shared_settings: patch.lockSharedSettings ? 1 : 0 }),
          ...(patch.readingRetentionDays === undefined ? {} : { reading_retention_days: patch.readingRetentionDays }),
          ...(patch.messageRetentionDays === undefined ? {} : { message_retention_days: patch.messageRetentionDays }),
        })
        .where('slug', '=', slug)
        .execute();
    },
    async addInvite(invite) {
      await db
        .insertInto('invites')
        .values({
          id: invite.id,
          code_hash: invite.codeHash,
          space: invite.space,
          created_by: invite.createdBy,
          created_at: invite.createdAt,
          expires_at: invite.expiresAt,
          max_uses: invite.maxUses,
          uses: 0,
        })
        .execute();
    },
    async inviteByHash(codeHash) {
      const row = await db
        .selectFrom('invites')
        .select(inviteColumns)
        .where('code_hash', '=', codeHash)
        .executeTakeFirst();
      return row ? toInvite(row) : null;
    },
    async useInvite(space, codeHash, now) {
      // One conditional UPDATE: two nodes racing for an invite's last use cannot both get it.
      const result = await db
        .updateTable('invites')
        .set((eb) => ({ uses: eb('uses', '+', 1) }))
        .where('code_hash', '=', codeHash)
        .where('space', '=', space)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async returnInvite(codeHash) {
      await db
        .updateTable('invites')
        .set((eb) => ({ uses: eb('uses', '-', 1) }))
        .where('code_hash', '=', codeHash)
        .where('uses', '>', 0)
        .execute();
    },
    async liveInvites(space, now) {
      const rows = await db
        .selectFrom('invites')
        .select(inviteColumns)
        .where('space', '=', space)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map(toInvite);
    },
    async revokeInvite(space, id, now) {
      const result = await db
        .updateTable('invites')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('space', '=', space)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async addDeviceLink(link) {
      await db
        .insertInto('device_links')
        .values({
          code_hash: link.codeHash,
          user_id: link.userId,
          created_at: link.createdAt,
          expires_at: link.expiresAt,
        })
        .execute();
    },
    async useDeviceLink(codeHash, now) {
      return db.transaction().execute(async (trx) => {
        const used = await trx
          .updateTable('device_links')
          .set({ used_at: now })
          .where('code_hash', '=', codeHash)
          .where('used_at', 'is', null)
          .where('expires_at', '>', now)
          .executeTakeFirst();
        if (Number(used.numUpdatedRows) !== 1) return null;
        const row = await trx
          .selectFrom('device_links')
          .select('user_id')
          .where('code_hash', '=', codeHash)
          .executeTakeFirstOrThrow();
        return row.user_id;
      });
    },
  };
}
