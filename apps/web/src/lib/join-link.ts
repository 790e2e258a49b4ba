import { secretCodeSchema } from '@huddle/protocol';

/** What a space's address may carry: an invite to join it, or a one-time code signing this browser in. */
export interface JoinQuery {
  /** `?invite=<code>`; a malformed one is kept as typed, so the page can say the link is broken. */
  invite: string | null;
  /** `?link=<code>` from "Link another device". */
  link: string | null;
}

/** Reads `?invite=` and `?link=` from a location's search string (with or without its `?`). */
export function readJoinQuery(search: string): JoinQuery {
  const params = new URLSearchParams(search);
  return { invite: nonEmpty(params.get('invite')), link: nonEmpty(params.get('link')) };
}

/** Whether a code has the shape of an invite or device-link secret (a truncated copy has not). */
export function isWellFormedCode(code: string): boolean {
  return secretCodeSchema.safeParse(code).success;
}

/** The link an invite's code makes: what the owner copies and sends. */
export function inviteLink(origin: string, space: string, code: string): string {
  return `${origin}/s/${space}?${new URLSearchParams({ invite: code })}`;
}

/** The link that signs another browser in as this user. */
export function deviceLink(origin: string, space: string, code: string): string {
  return `${origin}/s/${space}?${new URLSearchParams({ link: code })}`;
}

function nonEmpty(value: string | null): string | null {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}
