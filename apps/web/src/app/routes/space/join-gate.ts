import { type Ack, ErrorCode, type SpaceAccess } from '@huddle/protocol';
import { isWellFormedCode, type JoinQuery } from '../../../lib/join-link';
import { type EndedSession, isStillShown } from '../../../stores/session-store';

/** What the page of a space shows to a browser holding no session for it. */
export type JoinPage =
  | { kind: 'link'; code: string }
  | { kind: 'check-access'; invite: string | null }
  | { kind: 'join'; invite: string | null }
  | { kind: 'private' }
  | { kind: 'invite-expired' }
  | { kind: 'removed' }
  | { kind: 'deleted' }
  | { kind: 'error'; message: string };

const CUT_SHORT = 'This link is incomplete — copy the whole link again.';

/** Before asking the server: a device link signs in; a removal or deletion this browser saw stays on screen. */
export function firstJoinPage(query: JoinQuery, ended: EndedSession | undefined, now: number): JoinPage {
  if (query.link !== null) {
    return isWellFormedCode(query.link) ? { kind: 'link', code: query.link } : { kind: 'error', message: CUT_SHORT };
  }
  if (query.invite !== null && !isWellFormedCode(query.invite)) return { kind: 'error', message: CUT_SHORT };
  // A new invite is a way back for someone removed without a block (the server refuses the blocked),
  // and into a space made anew under a deleted one's name.
  if (query.invite === null && isStillShown(ended, now)) {
    return ended.reason === 'removed' ? { kind: 'removed' } : { kind: 'deleted' };
  }
  return { kind: 'check-access', invite: query.invite };
}

/** After the access check: the join form, or why not. */
export function joinPageFor(ack: Ack<SpaceAccess>, invite: string | null): JoinPage {
  return ack.ok ? { kind: 'join', invite } : refusedPage(ack.error.code, ack.error.message);
}

/** The page for a refusal of the access check or of the join itself. */
export function refusedPage(code: string, message: string): JoinPage {
  switch (code) {
    case ErrorCode.SpacePrivate:
      return { kind: 'private' };
    case ErrorCode.InviteExpired:
      return { kind: 'invite-expired' };
    case ErrorCode.Removed:
      return { kind: 'removed' };
    default:
      return { kind: 'error', message };
  }
}
