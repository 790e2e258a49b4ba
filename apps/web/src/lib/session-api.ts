import {
  type Ack,
  type CreateSessionBody,
  ErrorCode,
  type LinkSessionBody,
  type SessionGrant,
  type SpaceAccess,
} from '@huddle/protocol';
import { fetchAck, readJson } from './http-ack';

const UNREACHABLE = {
  code: ErrorCode.Unavailable,
  message: 'Could not reach Huddle. Check your connection and try again.',
};

/** Joins a space under a display name; sends the token already held so its owner can take their name again. */
export function createSession(body: CreateSessionBody): Promise<Ack<SessionGrant>> {
  return fetchAck(
    '/api/sessions',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    },
    {
      read: readJson(isSessionGrant),
      unreachable: UNREACHABLE,
      failed: (status) => ({
        code: ErrorCode.Unavailable,
        message: `Huddle could not be joined right now (HTTP ${status}). Try again in a moment.`,
      }),
    },
  );
}

/** How this browser may join a space: open, or by the invite it carries; a private space without one is refused. */
export function checkSpaceAccess(space: string, invite: string | null): Promise<Ack<SpaceAccess>> {
  const query = invite === null ? '' : `?${new URLSearchParams({ invite })}`;
  return fetchAck(
    `/api/spaces/${encodeURIComponent(space)}/access${query}`,
    { headers: { accept: 'application/json' } },
    {
      read: readJson(isSpaceAccess),
      unreachable: UNREACHABLE,
      failed: (status) => ({
        code: ErrorCode.Unavailable,
        message: `Huddle could not be reached right now (HTTP ${status}). Try again in a moment.`,
      }),
    },
  );
}

/** Signs this browser in as the user who made a "link another device" code. */
export function linkDevice(body: LinkSessionBody): Promise<Ack<SessionGrant>> {
  return fetchAck(
    '/api/sessions/link',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    },
    {
      read: readJson(isSessionGrant),
      unreachable: UNREACHABLE,
      failed: (status) => ({
        code: ErrorCode.Unavailable,
        message: `This device could not be signed in right now (HTTP ${status}). Try again in a moment.`,
      }),
    },
  );
}

/** Signs the user out of every other device: their tokens stop working. Returns this device's new grant. */
export function revokeOtherSessions(token: string): Promise<Ack<SessionGrant>> {
  return fetchAck(
    '/api/sessions/revoke',
    { method: 'POST', headers: { authorization: `Bearer ${token}`, accept: 'application/json' } },
    {
      read: readJson(isSessionGrant),
      unreachable: UNREACHABLE,
      failed: (status) => ({
        code: ErrorCode.Unavailable,
        message: `Other devices could not be signed out (HTTP ${status}). Try again in a moment.`,
      }),
    },
  );
}

function isSpaceAccess(value: unknown): value is SpaceAccess {
  if (typeof value !== 'object' || value === null) return false;
  const { space, access } = value as Partial<SpaceAccess>;
  return typeof space === 'string' && (access === 'open' || access === 'invite');
}

function isSessionGrant(value: unknown): value is SessionGrant {
  if (typeof value !== 'object' || value === null) return false;
  const { token, user, space } = value as Partial<SessionGrant>;
  return (
    typeof token === 'string' &&
    typeof space === 'string' &&
    typeof user?.id === 'string' &&
    typeof user.name === 'string'
  );
}
