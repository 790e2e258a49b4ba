import type { Ack, SessionGrant } from '@huddle/protocol';
import { isErrorBody, isSessionGrant, unavailable } from './create-session';

/** Signs the user out of every other device: their tokens stop working. Returns this device's new grant. */
export async function revokeOtherSessions(token: string): Promise<Ack<SessionGrant>> {
  let response: Response;
  try {
    response = await fetch('/api/sessions/revoke', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
  } catch {
    return unavailable('Could not reach Huddle. Check your connection and try again.');
  }
  const json: unknown = await response.json().catch(() => null);
  if (response.ok && isSessionGrant(json)) return { ok: true, data: json };
  if (isErrorBody(json)) return { ok: false, error: json.error };
  return unavailable(`Other devices could not be signed out (HTTP ${response.status}). Try again in a moment.`);
}
