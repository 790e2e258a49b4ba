import { ErrorCode, ServerEvent } from '@huddle/protocol';
import { AppError } from '../../errors.js';
import type { Feature, FeatureContext } from '../../feature.js';
import type { HuddleSocket } from '../../io/types.js';
import { createSpaceService } from '../../space/space.service.js';

/**
 * The space's membership: settings, invites, roles, removal, leaving, renaming and devices. Every command's
 * role is declared in the protocol and checked by the funnel before it gets here.
 */
export function spaceFeature({ users, spaces, membership, sessions, clock }: FeatureContext): Feature {
  const service = createSpaceService({ users, spaces, clock });
  const session = (socket: HuddleSocket) => socket.data;

  return {
    name: 'space',
    commands: {
      'space:members': async (socket) => ({ members: await membership.members(socket.data.space) }),
      'space:settings': async (socket, patch) => {
        await service.updateSettings(session(socket), patch);
        const settings = await membership.settingsChanged(socket.data.space);
        if (!settings) throw new AppError(ErrorCode.NotFound, 'This space is gone');
        return settings;
      },
      'space:create-invite': (socket, options) => service.createInvite(session(socket), options),
      'space:invites': async (socket) => ({ invites: await service.invites(session(socket)) }),
      'space:revoke-invite': async (socket, { inviteId }) => {
        await service.revokeInvite(session(socket), inviteId);
        return { invites: await service.invites(session(socket)) };
      },
      'space:set-role': async (socket, { userId, role }) => {
        await service.setRole(session(socket), userId, role);
        // Handing over demotes the old owner too.
        const changed = role === 'owner' ? [userId, socket.data.user.id] : [userId];
        return { members: await membership.membersChanged(socket.data.space, ...changed) };
      },
      'space:remove-member': async (socket, { userId, block }) => {
        await service.removeMember(session(socket), userId, block);
        membership.endSessions({ userId }, 'removed');
        return { members: await membership.membersChanged(socket.data.space, userId) };
      },
      'space:leave': async (socket) => {
        await service.leave(session(socket));
        const { space, user } = socket.data;
        await membership.membersChanged(space);
        // After the ack: this tab is one of those closing.
        setImmediate(() => membership.endSessions({ userId: user.id }, 'left'));
        return null;
      },
      'session:rename': async (socket, { name }) => {
        await service.rename(session(socket), name);
        return { members: await membership.membersChanged(socket.data.space, socket.data.user.id) };
      },
      'session:devices': async (socket) => ({ devices: await service.devices(session(socket)) }),
      'session:sign-out': async (socket, { deviceId }) => {
        // Signing out revokes: an older copy of this device's token may not, and other devices only so often.
        if (deviceId === undefined || deviceId === socket.data.deviceId) sessions.requireCurrent(socket.data);
        else await sessions.mayRevoke(socket.data);
        const signedOut = await service.signOut(session(socket), deviceId);
        // After the ack: the tab that asked may be one of those closing.
        setImmediate(() => membership.endSessions({ deviceId: signedOut }, 'signed-out'));
        return null;
      },
      // A new device could sign this one out: only the newest token of this device may make one.
      'session:link-device': (socket) => {
        sessions.requireCurrent(socket.data);
        return service.linkDevice(session(socket));
      },
    },
    async snapshot(socket) {
      const { space } = socket.data;
      const [settings, members] = await Promise.all([membership.settingsOf(space), membership.members(space)]);
      if (settings) socket.emit(ServerEvent.SpaceSettings, settings);
      socket.emit(ServerEvent.SpaceMembers, { members });
    },
    clusterEvents: {
      'space:changed': (space, userId) => void membership.changedElsewhere(space, userId),
    },
  };
}
