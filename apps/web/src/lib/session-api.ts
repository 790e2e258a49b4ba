import { type Ack, type CreateSessionBody, ErrorCode, type SessionGrant } from '@huddle/protocol';
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
