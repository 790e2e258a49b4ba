import { type Ack, type CreateSessionBody, ErrorCode, type SessionGrant } from '@huddle/protocol';

/** Joins a space under a display name; sends the token already held so its owner can take their name again. */
export async function createSession(body: CreateSessionBody): Promise<Ack<SessionGrant>> {
  let response: Response;
  try {
    response = await fetch('/api/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    return unavailable('Could not reach Huddle. Check your connection and try again.');
  }
  const json: unknown = await response.json().catch(() => null);
  if (response.ok && isSessionGrant(json)) return { ok: true, data: json };
  if (isErrorBody(json)) return { ok: false, error: json.error };
  return unavailable(`Huddle could not be joined right now (HTTP ${response.status}). Try again in a moment.`);
}

export function unavailable(message: string): Ack<never> {
  return { ok: false, error: { code: ErrorCode.Unavailable, message } };
}

export function isSessionGrant(value: unknown): value is SessionGrant {
  if (typeof value !== 'object' || value === null) return false;
  const { token, user, space } = value as Partial<SessionGrant>;
  return (
    typeof token === 'string' &&
    typeof space === 'string' &&
    typeof user?.id === 'string' &&
    typeof user.name === 'string'
  );
}

export function isErrorBody(value: unknown): value is { error: { code: ErrorCode; message: string; field?: string } } {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const { error } = value as { error: unknown };
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
