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
  return apiAck('/api/sessions', postJson(body), isSessionGrant, 'Huddle could not be joined right now');
}

/** How this browser may join a space: open, or by the invite it carries; a private space without one is refused. */
export function checkSpaceAccess(space: string, invite: string | null): Promise<Ack<SpaceAccess>> {
  const query = invite === null ? '' : `?${new URLSearchParams({ invite })}`;
  return apiAck(
    `/api/spaces/${encodeURIComponent(space)}/access${query}`,
    {},
    isSpaceAccess,
    'Huddle could not be reached right now',
  );
}

/** Signs this browser in as the user who made a "link another device" code. */
export function linkDevice(body: LinkSessionBody): Promise<Ack<SessionGrant>> {
  return apiAck('/api/sessions/link', postJson(body), isSessionGrant, 'This device could not be signed in right now');
}

/** Signs the user out of every other device: their tokens stop working. Returns this device's new grant. */
export function revokeOtherSessions(token: string): Promise<Ack<SessionGrant>> {
  return apiAck(
    '/api/sessions/revoke',
    { method: 'POST', headers: { authorization: `Bearer ${token}` } },
    isSessionGrant,
    'Other devices could not be signed out',
  );
}

/** A request's options, its headers as a plain record so they can be added to. */
type ApiInit = Omit<RequestInit, 'headers'> & { headers?: Record<string, string> };

/**
 * A session-API call answering JSON, as an `Ack`. `failure` says what did not happen, for an answer
 * that is neither the data nor the API's own error.
 */
function apiAck<T>(url: string, init: ApiInit, isT: (value: unknown) => value is T, failure: string) {
  return fetchAck(
    url,
    { ...init, headers: { ...init.headers, accept: 'application/json' } },
    {
      read: readJson(isT),
      unreachable: UNREACHABLE,
      failed: (status) => ({
        code: ErrorCode.Unavailable,
        message: `${failure} (HTTP ${status}). Try again in a moment.`,
      }),
    },
  );
}

function postJson(body: unknown): ApiInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
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
