import { randomUUID } from 'node:crypto';
import {
  type CreatedInvite,
  type Device,
  type DeviceLink,
  ErrorCode,
  type Invite,
  outranks,
  type Role,
  SPACE_LIMITS,
  type SpaceSettings,
} from '@huddle/protocol';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { hashSecretCode, newSecretCode } from '../session/secret-code.js';
import type { Session } from '../session/session.service.js';
import type { UserRecord, UserStore } from '../session/user.store.js';
import type { InviteRecord, SpaceStore } from './space.store.js';

const notAMember = () => new AppError(ErrorCode.NotFound, 'No such member in this space', 'userId');
const forbidden = (message: string) => new AppError(ErrorCode.Forbidden, message);

/**
 * Membership and moderation rules, storage behind interfaces and the clock injected: invites, roles,
 * removal, leaving, renaming, devices. Who may call each one at all is the funnel's check (the protocol's
 * `permission`); these methods check what depends on the target (rank, own device, same space).
 */
export function createSpaceService(deps: { users: UserStore; spaces: SpaceStore; clock: Clock }) {
  const { users, spaces, clock } = deps;

  /** A current member of the actor's space; another space's user is "no such member". */
  async function memberOf(actor: Session, userId: string): Promise<UserRecord> {
    const target = await users.findById(userId);
    if (!target || target.space !== actor.space || target.removedAt !== null) throw notAMember();
    return target;
  }

  async function toInvite(record: InviteRecord): Promise<Invite> {
    const creator = await users.findById(record.createdBy);
    return {
      id: record.id,
      createdBy: { id: record.createdBy, name: creator?.name ?? 'someone' },
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      maxUses: record.maxUses,
      uses: record.uses,
    };
  }

  return {
    async updateSettings(actor: Session, patch: Partial<SpaceSettings>): Promise<void> {
      await spaces.updateSettings(actor.space, patch);
    },

    async createInvite(
      actor: Session,
      options: { expiresInHours: number; maxUses: number | null },
    ): Promise<CreatedInvite> {
      const now = clock.now();
      if ((await spaces.liveInvites(actor.space, now)).length >= SPACE_LIMITS.maxOpenInvites) {
        throw new AppError(
          ErrorCode.Conflict,
          `A space holds at most ${SPACE_LIMITS.maxOpenInvites} live invites: revoke some first`,
        );
      }
      const code = newSecretCode();
      const record: InviteRecord = {
        id: randomUUID(),
        space: actor.space,
        createdBy: actor.user.id,
        createdAt: now,
        expiresAt: now + options.expiresInHours * 3_600_000,
        maxUses: options.maxUses,
        uses: 0,
        revokedAt: null,
      };
      await spaces.addInvite({ ...record, codeHash: hashSecretCode(code) });
      return { ...(await toInvite(record)), code };
    },

    async invites(actor: Session): Promise<Invite[]> {
      return Promise.all((await spaces.liveInvites(actor.space, clock.now())).map(toInvite));
    },

    async revokeInvite(actor: Session, inviteId: string): Promise<void> {
      if (!(await spaces.revokeInvite(actor.space, inviteId, clock.now()))) {
        throw new AppError(ErrorCode.NotFound, 'No such invite in this space', 'inviteId');
      }
    },

    /** Promotes or demotes; `owner` hands the space over and the old owner becomes an admin. */
    async setRole(actor: Session, userId: string, role: Role): Promise<void> {
      if (userId === actor.user.id) throw forbidden('You cannot change your own role: hand the space over instead');
      const target = await memberOf(actor, userId);
      if (target.role === role) return;
      if (role === 'owner') await users.handOver(actor.user.id, target.id);
      else await users.setRole(target.id, role);
    },

    /** Removes someone the actor outranks: an admin removes members, the owner anyone else. */
    async removeMember(actor: Session, userId: string, block: boolean): Promise<void> {
      if (userId === actor.user.id) throw forbidden('To leave the space, use Leave');
      const target = await memberOf(actor, userId);
      if (!outranks(actor.role, target.role)) {
        throw forbidden(target.role === 'owner' ? 'Nobody can remove the owner' : 'Only the owner can remove an admin');
      }
      await users.remove(target.id, clock.now(), block, 'removed');
    },

    async leave(actor: Session): Promise<void> {
      const me = await memberOf(actor, actor.user.id);
      if (me.role === 'owner') {
        throw new AppError(ErrorCode.Conflict, 'Hand the space over to someone else before you leave, or delete it');
      }
      await users.remove(me.id, clock.now(), false, 'left');
    },

    async rename(actor: Session, name: string): Promise<void> {
      const holder = await users.findByName(actor.space, name);
      if (holder && holder.id !== actor.user.id) {
        throw new AppError(ErrorCode.NameTaken, 'That name is taken in this space', 'name');
      }
      if (!(await users.rename(actor.user.id, name))) {
        throw new AppError(ErrorCode.NameTaken, 'That name is taken in this space', 'name');
      }
    },

    async devices(actor: Session): Promise<Device[]> {
      const devices = await users.devices(actor.user.id);
      return devices.map((d) => ({
        id: d.id,
        label: d.label,
        createdAt: d.createdAt,
        lastSeenAt: d.lastSeenAt,
        current: d.id === actor.deviceId,
      }));
    },

    /** Signs out one of the actor's devices (this one when none is named). */
    async signOut(actor: Session, deviceId: string | undefined): Promise<string> {
      const target = deviceId ?? actor.deviceId;
      if (!(await users.revokeDevice(actor.user.id, target, clock.now()))) {
        throw new AppError(ErrorCode.NotFound, 'No such device of yours is signed in', 'deviceId');
      }
      return target;
    },

    async linkDevice(actor: Session): Promise<DeviceLink> {
      const now = clock.now();
      const code = newSecretCode();
      const expiresAt = now + SPACE_LIMITS.deviceLinkMs;
      await spaces.addDeviceLink({ codeHash: hashSecretCode(code), userId: actor.user.id, createdAt: now, expiresAt });
      return { code, expiresAt };
    },
  };
}

export type SpaceService = ReturnType<typeof createSpaceService>;
