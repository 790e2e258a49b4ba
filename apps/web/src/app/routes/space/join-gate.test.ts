import { ErrorCode } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { DELETED_SPACE_SHOWN_MS } from '../../../stores/session-store';
import { firstJoinPage, joinPageFor } from './join-gate';

const CODE = 'AbCdEfGhIjKlMnOpQrStUvWx';
const none = { invite: null, link: null };
const NOW = 1_000_000_000;
const removed = { reason: 'removed', at: 0, token: 't' } as const;

describe('firstJoinPage', () => {
  it('checks access first, with the invite the address carries', () => {
    expect(firstJoinPage(none, undefined, NOW)).toEqual({ kind: 'check-access', invite: null });
    expect(firstJoinPage({ invite: CODE, link: null }, undefined, NOW)).toEqual({ kind: 'check-access', invite: CODE });
  });

  it('signs in with a device link before anything else', () => {
    expect(firstJoinPage({ invite: null, link: CODE }, removed, NOW)).toEqual({
      kind: 'link',
      code: CODE,
    });
  });

  it('calls a link cut short when copied broken, without asking the server', () => {
    const broken = { kind: 'error', message: 'This link is incomplete — copy the whole link again.' };
    expect(firstJoinPage({ invite: 'AbCdEf', link: null }, undefined, NOW)).toEqual(broken);
    expect(firstJoinPage({ invite: null, link: 'AbCdEf' }, undefined, NOW)).toEqual(broken);
  });

  it('keeps saying "removed" until a new invite comes, and "deleted" for a day', () => {
    expect(firstJoinPage(none, removed, NOW)).toEqual({ kind: 'removed' });
    const deleted = { reason: 'space-deleted', at: NOW - DELETED_SPACE_SHOWN_MS + 1 } as const;
    expect(firstJoinPage(none, deleted, NOW)).toEqual({ kind: 'deleted' });
    expect(firstJoinPage(none, deleted, NOW + 1)).toEqual({ kind: 'check-access', invite: null });
    expect(firstJoinPage({ invite: CODE, link: null }, removed, NOW)).toEqual({
      kind: 'check-access',
      invite: CODE,
    });
  });
});

describe('joinPageFor', () => {
  const refused = (code: ErrorCode) => ({ ok: false as const, error: { code, message: 'no' } });

  it('shows the join form for an open space or a valid invite, keeping the invite to send', () => {
    expect(joinPageFor({ ok: true, data: { space: 's', access: 'open' } }, null)).toEqual({
      kind: 'join',
      invite: null,
    });
    expect(joinPageFor({ ok: true, data: { space: 's', access: 'invite' } }, CODE)).toEqual({
      kind: 'join',
      invite: CODE,
    });
  });

  it('turns each refusal into its page', () => {
    expect(joinPageFor(refused(ErrorCode.SpacePrivate), null)).toEqual({ kind: 'private' });
    expect(joinPageFor(refused(ErrorCode.InviteExpired), CODE)).toEqual({ kind: 'invite-expired' });
    expect(joinPageFor(refused(ErrorCode.Removed), CODE)).toEqual({ kind: 'removed' });
    expect(joinPageFor(refused(ErrorCode.Unavailable), null)).toEqual({ kind: 'error', message: 'no' });
  });
});
