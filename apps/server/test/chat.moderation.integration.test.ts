import { randomBytes } from 'node:crypto';
import { ErrorCode, ServerEvent } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import {
  connectRecorded,
  type EventLog,
  join,
  send,
  sendRaw,
  type TestClient,
  uniqueSpace,
  useTestServers,
} from './helpers.js';

const servers = useTestServers();

interface Tab {
  socket: TestClient;
  events: EventLog;
}

async function tab(url: string, token: string): Promise<Tab> {
  const t = servers.track(await connectRecorded(url, token));
  // Setup is done once the presence snapshot has arrived.
  await t.events.next(ServerEvent.ChatPresence, (p) => 'users' in p);
  return t;
}

async function user(url: string, space: string, name: string) {
  const grant = await join(url, space, name);
  return { grant, id: grant.user.id, open: () => tab(url, grant.token) };
}

/**
 * A new space: Ana made it (the space's first user is its owner), Bo and Cy are members; Bo has two
 * tabs. Another space holds a channel of its own, #secret.
 */
async function team() {
  const { url } = await servers.start();
  const space = uniqueSpace();
  const anaUser = await user(url, space, 'Ana');
  const ana = await anaUser.open();
  const boUser = await user(url, space, 'Bo');
  const bo = await boUser.open();
  const boOther = await boUser.open();
  const cyUser = await user(url, space, 'Cy');
  const cy = await cyUser.open();
  const stranger = await (await user(url, uniqueSpace('other'), 'Dan')).open();
  expect(await send(stranger.socket, 'chat:create-channel', { name: 'secret' })).toMatchObject({ ok: true });
  const secret = await say(stranger, 'not yours', 'c:secret');
  return { url, anaUser, ana, boUser, bo, boOther, cy, stranger, secret };
}

async function say(t: Tab, text: string, conversationId = 'c:general') {
  const ack = await send(t.socket, 'chat:send', { conversationId, clientId: randomBytes(8).toString('hex'), text });
  if (!ack.ok) throw new Error(ack.error.message);
  return ack.data;
}

async function history(t: Tab, conversationId = 'c:general') {
  const ack = await send(t.socket, 'chat:history', { conversationId });
  if (!ack.ok) throw new Error(ack.error.message);
  return ack.data.messages;
}

const refused = (code: ErrorCode) => ({ ok: false, error: { code } });

describe('editing and deleting messages', () => {
  it('lets only the author edit; every tab that reads the conversation hears of it, and history shows it', async () => {
    const { ana, boUser, bo, boOther, cy, stranger, secret } = await team();
    const sent = await say(bo, 'helo team');

    const ack = await send(bo.socket, 'chat:edit', {
      conversationId: 'c:general',
      seq: sent.seq,
      text: ' hello team ',
    });
    if (!ack.ok) throw new Error(ack.error.message);
    expect(ack.data).toMatchObject({ seq: sent.seq, text: 'hello team', author: { name: 'Bo' } });
    expect(ack.data.editedAt).toBeGreaterThanOrEqual(sent.sentAt);
    for (const t of [ana, boOther, cy]) expect(await t.events.next(ServerEvent.ChatMessageChanged)).toEqual(ack.data);
    // A tab that opens (or comes back) later reads the edit in history.
    expect(await history(await boUser.open())).toEqual([ack.data]);

    expect(
      await send(cy.socket, 'chat:edit', { conversationId: 'c:general', seq: sent.seq, text: 'mine' }),
    ).toMatchObject(refused(ErrorCode.Forbidden));
    // The owner moderates by deleting, not by putting words in someone's mouth.
    expect(
      await send(ana.socket, 'chat:edit', { conversationId: 'c:general', seq: sent.seq, text: 'x' }),
    ).toMatchObject(refused(ErrorCode.Forbidden));
    expect(await send(bo.socket, 'chat:edit', { conversationId: 'c:general', seq: 999, text: 'x' })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.NotFound, field: 'seq' },
    });
    expect(
      await send(bo.socket, 'chat:edit', { conversationId: 'c:secret', seq: secret.seq, text: 'x' }),
    ).toMatchObject(refused(ErrorCode.NotFound));
    for (const payload of [
      { conversationId: 'c:general', seq: sent.seq, text: '   ' },
      { conversationId: 'c:general', seq: -1, text: 'x' },
      { conversationId: 'c:general', seq: sent.seq },
      { conversationId: 'c:general', seq: sent.seq, text: 'x', author: { id: 'someone' } },
    ]) {
      expect(await sendRaw(bo.socket, 'chat:edit', payload)).toMatchObject(refused(ErrorCode.BadRequest));
    }
    expect(await history(cy)).toEqual([ack.data]);
    expect(await history(stranger, 'c:secret')).toEqual([secret]);
  });

  it('tells only the two members of a direct conversation about its edits', async () => {
    const { ana, boUser, bo, cy } = await team();
    const opened = await send(ana.socket, 'chat:open-direct', { userId: boUser.id });
    if (!opened.ok) throw new Error(opened.error.message);
    const sent = await say(ana, 'just between us', opened.data.id);
    const edited = await send(ana.socket, 'chat:edit', { conversationId: opened.data.id, seq: sent.seq, text: 'psst' });
    expect(edited).toMatchObject({ ok: true, data: { text: 'psst' } });
    expect(await bo.events.next(ServerEvent.ChatMessageChanged)).toMatchObject({ text: 'psst' });
    expect(await send(cy.socket, 'chat:delete', { conversationId: opened.data.id, seq: sent.seq })).toMatchObject(
      refused(ErrorCode.NotFound),
    );
    // Had Cy been told of the edit, it would have arrived before this message.
    await say(bo, 'marker');
    await cy.events.next(ServerEvent.ChatMessage, (m) => m.text === 'marker');
    expect(cy.events.count(ServerEvent.ChatMessageChanged)).toBe(0);
  });

  it('lets the author delete: the text is gone for everyone, in history too, and deleting again is fine', async () => {
    const { bo, boOther, cy, boUser } = await team();
    const sent = await say(bo, 'wrong channel, sorry');
    expect(await send(cy.socket, 'chat:delete', { conversationId: 'c:general', seq: sent.seq })).toMatchObject(
      refused(ErrorCode.Forbidden),
    );
    const ack = await send(bo.socket, 'chat:delete', { conversationId: 'c:general', seq: sent.seq });
    if (!ack.ok) throw new Error(ack.error.message);
    expect(ack.data).toEqual({ ...sent, text: '', deleted: true });
    for (const t of [boOther, cy]) expect(await t.events.next(ServerEvent.ChatMessageChanged)).toEqual(ack.data);
    expect(await history(await boUser.open())).toEqual([ack.data]);

    expect(await send(bo.socket, 'chat:delete', { conversationId: 'c:general', seq: sent.seq })).toEqual(ack);
    expect(
      await send(bo.socket, 'chat:edit', { conversationId: 'c:general', seq: sent.seq, text: 'back' }),
    ).toMatchObject(refused(ErrorCode.Conflict));
    expect(await send(bo.socket, 'chat:delete', { conversationId: 'c:general', seq: 999 })).toMatchObject(
      refused(ErrorCode.NotFound),
    );
  });

  // Needs roles: the space's first user is its owner (set at the handshake as socket.data.role).
  it("lets the owner delete anyone's message, and no one touch another space's", async () => {
    const { ana, bo, cy, stranger, secret } = await team();
    const sent = await say(cy, 'spam spam spam');
    const ack = await send(ana.socket, 'chat:delete', { conversationId: 'c:general', seq: sent.seq });
    expect(ack).toMatchObject({ ok: true, data: { seq: sent.seq, author: { name: 'Cy' }, text: '', deleted: true } });
    expect(await bo.events.next(ServerEvent.ChatMessageChanged)).toMatchObject({ seq: sent.seq, deleted: true });
    expect(await send(ana.socket, 'chat:delete', { conversationId: 'c:secret', seq: secret.seq })).toMatchObject(
      refused(ErrorCode.NotFound),
    );
    expect(await history(stranger, 'c:secret')).toEqual([secret]);
  });
});

describe('deleting and archiving channels', () => {
  it('deletes a channel and its messages for the whole space; #general and direct conversations stay', async () => {
    const { ana, boUser, bo, stranger, secret } = await team();
    expect(await send(bo.socket, 'chat:create-channel', { name: 'design' })).toMatchObject({ ok: true });
    await say(bo, 'draft', 'c:design');

    const ack = await send(ana.socket, 'chat:delete-channel', { conversationId: 'c:design' });
    expect(ack).toEqual({ ok: true, data: { conversationId: 'c:design' } });
    expect(await bo.events.next(ServerEvent.ChatConversationRemoved)).toEqual({ conversationId: 'c:design' });
    expect(await send(bo.socket, 'chat:history', { conversationId: 'c:design' })).toMatchObject(
      refused(ErrorCode.NotFound),
    );
    const fresh = await boUser.open();
    const list = await fresh.events.next(ServerEvent.ChatConversations);
    expect(list.conversations.map((c) => c.id)).toEqual(['c:general']);

    expect(await send(ana.socket, 'chat:delete-channel', { conversationId: 'c:general' })).toMatchObject(
      refused(ErrorCode.Conflict),
    );
    const dm = await send(ana.socket, 'chat:open-direct', { userId: boUser.id });
    if (!dm.ok) throw new Error(dm.error.message);
    expect(await send(ana.socket, 'chat:delete-channel', { conversationId: dm.data.id })).toMatchObject(
      refused(ErrorCode.BadRequest),
    );
    expect(await send(ana.socket, 'chat:delete-channel', { conversationId: 'c:secret' })).toMatchObject(
      refused(ErrorCode.NotFound),
    );
    expect(await history(stranger, 'c:secret')).toEqual([secret]);
  });

  // Needs roles: the command is declared admin-only and the funnel checks socket.data.role.
  it('refuses channel deletion and archiving to a member', async () => {
    const { bo } = await team();
    expect(await send(bo.socket, 'chat:create-channel', { name: 'mine' })).toMatchObject({ ok: true });
    expect(await send(bo.socket, 'chat:delete-channel', { conversationId: 'c:mine' })).toMatchObject(
      refused(ErrorCode.Forbidden),
    );
    expect(await send(bo.socket, 'chat:archive-channel', { conversationId: 'c:mine', archived: true })).toMatchObject(
      refused(ErrorCode.Forbidden),
    );
    expect(await history(bo, 'c:mine')).toEqual([]);
  });

  it('archives a channel: listed archived, history kept, nobody posts or edits until it is back', async () => {
    const { ana, boUser, bo, cy } = await team();
    expect(await send(bo.socket, 'chat:create-channel', { name: 'old' })).toMatchObject({ ok: true });
    expect(await cy.events.next(ServerEvent.ChatConversation)).toMatchObject({ id: 'c:old', archived: false });
    const kept = await say(bo, 'history stays', 'c:old');

    const ack = await send(ana.socket, 'chat:archive-channel', { conversationId: 'c:old', archived: true });
    expect(ack).toEqual({ ok: true, data: { id: 'c:old', kind: 'channel', name: 'old', lastSeq: 1, archived: true } });
    expect(await cy.events.next(ServerEvent.ChatConversation, (c) => c.id === 'c:old')).toEqual(ack.ok && ack.data);
    const post = await send(bo.socket, 'chat:send', { conversationId: 'c:old', clientId: 'after-archive', text: 'hi' });
    expect(post).toMatchObject({ ok: false, error: { code: ErrorCode.Conflict, message: 'This channel is archived' } });
    expect(await send(bo.socket, 'chat:edit', { conversationId: 'c:old', seq: kept.seq, text: 'x' })).toMatchObject(
      refused(ErrorCode.Conflict),
    );
    expect(await history(cy, 'c:old')).toEqual([kept]);
    const fresh = await boUser.open();
    const list = await fresh.events.next(ServerEvent.ChatConversations);
    expect(list.conversations.find((c) => c.id === 'c:old')).toMatchObject({ archived: true });
    expect(list.conversations.find((c) => c.id === 'c:general')).toMatchObject({ archived: false });

    const back = await send(ana.socket, 'chat:archive-channel', { conversationId: 'c:old', archived: false });
    expect(back).toMatchObject({ ok: true, data: { archived: false } });
    expect(await cy.events.next(ServerEvent.ChatConversation, (c) => c.id === 'c:old')).toEqual(back.ok && back.data);
    expect(await say(bo, 'back again', 'c:old')).toMatchObject({ seq: 2 });

    expect(
      await send(ana.socket, 'chat:archive-channel', { conversationId: 'c:general', archived: true }),
    ).toMatchObject(refused(ErrorCode.Conflict));
  });
});
