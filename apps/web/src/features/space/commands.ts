import {
  type Ack,
  type CommandPayload,
  type CreatedInvite,
  type DeviceLink,
  type DeviceList,
  ErrorCode,
  type InviteCreate,
  type InviteList,
  type Member,
  type Role,
  type SpaceMembers,
  type SpaceSettings,
} from '@huddle/protocol';
import { downloadExport } from '../../lib/download';
import { endOpenSession } from '../../lib/session-end';
import { sendCommand } from '../../lib/socket';
import { currentSpace } from '../../lib/space-epoch';
import { useMembersStore } from '../../stores/members-store';
import { useSessionStore } from '../../stores/session-store';

const EXPORT_TIMEOUT_MS = 120_000;

export type ExportFormat = 'ndjson' | 'json';
export type SpaceSettingsPatch = CommandPayload<'space:settings'>;

/**
 * Takes a members list, from an answer or the server's broadcast: the newest one. Your own entry renames
 * you in the session too (a rename in another tab shows here at once).
 */
export function receiveMembers(members: readonly Member[]): void {
  useMembersStore.getState().setMembers(members);
  const space = currentSpace();
  const grant = space === null ? undefined : useSessionStore.getState().grants[space];
  const me = grant === undefined ? undefined : members.find((m) => m.id === grant.user.id);
  if (space !== null && me !== undefined) useSessionStore.getState().updateUser(space, { id: me.id, name: me.name });
}

function membersApplied(ack: Ack<SpaceMembers>): Ack<SpaceMembers> {
  if (ack.ok) receiveMembers(ack.data.members);
  return ack;
}

export function createInvite(options: InviteCreate): Promise<Ack<CreatedInvite>> {
  return sendCommand('space:create-invite', options);
}

export function listInvites(): Promise<Ack<InviteList>> {
  return sendCommand('space:invites', {});
}

export function revokeInvite(inviteId: string): Promise<Ack<InviteList>> {
  return sendCommand('space:revoke-invite', { inviteId });
}

export async function setRole(userId: string, role: Role): Promise<Ack<SpaceMembers>> {
  return membersApplied(await sendCommand('space:set-role', { userId, role }));
}

export async function removeMember(userId: string, block: boolean): Promise<Ack<SpaceMembers>> {
  return membersApplied(await sendCommand('space:remove-member', { userId, block }));
}

export async function saveSpaceSettings(patch: SpaceSettingsPatch): Promise<Ack<SpaceSettings>> {
  const ack = await sendCommand('space:settings', patch);
  if (ack.ok) useMembersStore.getState().setSettings(ack.data);
  return ack;
}

export async function renameMe(name: string): Promise<Ack<SpaceMembers>> {
  return membersApplied(await sendCommand('session:rename', { name }));
}

export function listDevices(): Promise<Ack<DeviceList>> {
  return sendCommand('session:devices', {});
}

/** Signs out one of my other devices; without an id, this one (and the page shows the join form). */
export async function signOut(deviceId?: string): Promise<Ack<null>> {
  const ack = await sendCommand('session:sign-out', deviceId === undefined ? {} : { deviceId });
  if (ack.ok && deviceId === undefined) endOpenSession('signed-out');
  return ack;
}

export function linkAnotherDevice(): Promise<Ack<DeviceLink>> {
  return sendCommand('session:link-device', {});
}

export async function leaveSpace(): Promise<Ack<null>> {
  const ack = await sendCommand('space:leave', {});
  if (ack.ok) endOpenSession('left');
  return ack;
}

export async function deleteSpace(confirm: string): Promise<Ack<null>> {
  const ack = await sendCommand('space:delete', { confirm });
  if (ack.ok) endOpenSession('space-deleted');
  return ack;
}

/** Downloads everything in the space (admins), authorised by the session. */
export async function exportSpace(format: ExportFormat): Promise<Ack<{ fileName: string }>> {
  const space = currentSpace();
  const token = space === null ? undefined : useSessionStore.getState().grants[space]?.token;
  if (space === null || token === undefined) {
    return { ok: false, error: { code: ErrorCode.Unauthorized, message: 'Join the space first' } };
  }
  return downloadExport(`/api/spaces/${encodeURIComponent(space)}/export?format=${format}`, {
    token,
    fallbackName: `${space}.${format}`,
    timeoutMs: EXPORT_TIMEOUT_MS,
  });
}
