import { randomBytes } from 'node:crypto';
import { ErrorCode, type Role } from '@huddle/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.js';
import { chatData } from '../src/features/chat/chat.data.js';
import { type ChatService, createChatService } from '../src/features/chat/chat.service.js';
import { createChatStore } from '../src/features/chat/chat.store.js';
import type { Actor } from '../src/session/session.service.js';
import { nameKey } from '../src/session/user.store.js';
import { createSpaceStore } from '../src/space/space.store.js';
import { storageBackends, uniqueSpace, useStorage } from './helpers.js';

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

type Member = Actor & { role: Role };

// Edits, deletes, archived and deleted channels, on both storages: the rules in the service, what is
// kept (and what is gone) in the store.
describe.each(storageBackends)('chat edits, deletes and channels on $name', (backend) => {
  const storage = useStorage(backend);
  let t = 1_800_000_000_000;
  const clock = { now: () => t };
  let chat: ChatService;
  let space: string;
  let ana: Member;
  let bo: Member;
  let cy: Member;
  const clientId = () => randomBytes(8).toString('hex');

  /** A space and a member of it, written as the session code writes them. */
  async function member(inSpace: string, name: string, role: Role): Promise<Member> {
    const id = `${inSpace}-${name.toLowerCase()}`;
    await storage.db
      .insertInto('users')
      .values({ id, space: inSpace, name, name_key: nameKey(name), created_at: t, role })
      .execute();
    return { user: { id, name }, space: inSpace, role };
  }

  async function newSpace(prefix: string): Promise<string> {
    const slug = uniqueSpace(prefix);
    const { seedSpace } = chatData(storage.db);
    await createSpaceStore(storage.db, () => (seedSpace ? [seedSpace] : [])).create(slug, 'open', t);
    return slug;
  }

  beforeEach(async () => {
    t += 60_000;
    chat = createChatService({
      store: createChatStore(storage.db),
      clock,
      findUser: async (id) => {
        const row = await storage.db
          .selectFrom('users')
          .select(['id', 'name', 'space'])
          .where('id', '=', id)
          .executeTakeFirst();
        return row ?? null;
      },
      sendRate: { burst: 1000, perSecond: 1000 },
    });
    space = await newSpace('chat-mod');
    ana = await member(space, 'Ana', 'owner');
    bo = await member(space, 'Bo', 'member');
    cy = await member(space, 'Cy', 'member');
    await chat.conversations(ana);
  });

  const say = async (who: Actor, text: string, conversationId = 'c:general') =>
    (await chat.send(who, { conversationId, clientId: clientId(), text })).message;
  const page = async (who: Actor, conversationId = 'c:general') =>
    (await chat.history(who, { conversationId })).messages;
  const storedText = async (conversationId: string, seq: number) =>
    (
      await storage.db
        .selectFrom('chat_messages')
        .select('text')
        .where('space', '=', space)
        .where('conversation', '=', conversationId)
        .where('seq', '=', seq)
        .executeTakeFirst()
    )?.text;

  it('lets the author edit, marks the message edited in every later read, and refuses anyone else', async () => {
    const sent = await say(bo, 'helo');
    expect(sent.editedAt).toBeUndefined();
    t += 5_000;
    const { message, audience } = await chat.edit(bo, { conversationId: 'c:general', seq: sent.seq, text: 'hello' });
    expect(message).toEqual({ ...sent, text: 'hello', editedAt: t });
    expect(audience).toEqual({ kind: 'space' });
    expect(await page(cy)).toEqual([message]);

    // Not even the owner edits someone else's words.
    for (const who of [cy, ana]) {
      const refused = await rejection(chat.edit(who, { conversationId: 'c:general', seq: sent.seq, text: 'mine now' }));
      expect(refused.code).toBe(ErrorCode.Forbidden);
    }
    expect((await rejection(chat.edit(bo, { conversationId: 'c:general', seq: 99, text: 'x' }))).code).toBe(
      ErrorCode.NotFound,
    );
    // The same text again changes nothing, not even the edit time.
    t += 5_000;
    expect((await chat.edit(bo, { conversationId: 'c:general', seq: sent.seq, text: 'hello' })).message).toEqual(
      message,
    );
    expect(await page(bo)).toEqual([message]);
  });

  it('deletes a message for good: its text is gone from storage, and a deleted message cannot be edited', async () => {
    const sent = await say(bo, 'oops, my password is hunter2');
    await chat.edit(bo, { conversationId: 'c:general', seq: sent.seq, text: 'oops, my password is hunter3' });
    t += 1_000;
    const { message } = await chat.deleteMessage(bo, 'c:general', sent.seq);
    expect(message).toMatchObject({ seq: sent.seq, author: bo.user, text: '', deleted: true });
    expect(await storedText('c:general', sent.seq)).toBe('');
    expect(await page(cy)).toEqual([message]);

    // Deleting again answers the same; editing it now is refused.
    t += 1_000;
    expect((await chat.deleteMessage(bo, 'c:general', sent.seq)).message).toEqual(message);
    const edit = await rejection(chat.edit(bo, { conversationId: 'c:general', seq: sent.seq, text: 'back' }));
    expect(edit.code).toBe(ErrorCode.Conflict);
    expect(await storedText('c:general', sent.seq)).toBe('');
  });

  it("lets a member delete only their own messages, and an admin or the owner anyone's", async () => {
    const bos = await say(bo, 'from Bo');
    const cys = await say(cy, 'from Cy');
    expect((await rejection(chat.deleteMessage(bo, 'c:general', cys.seq))).code).toBe(ErrorCode.Forbidden);
    expect(await page(ana)).toEqual([bos, cys]);

    expect((await chat.deleteMessage(ana, 'c:general', bos.seq)).message).toMatchObject({ deleted: true });
    const admin = { ...cy, role: 'admin' as const };
    const another = await say(ana, 'from Ana');
    expect((await chat.deleteMessage(admin, 'c:general', another.seq)).message).toMatchObject({ deleted: true });
    expect((await page(bo)).map((m) => m.deleted ?? false)).toEqual([true, false, true]);
  });

  it('does not count deleted messages as unread', async () => {
    await say(bo, 'one');
    const two = await say(bo, 'two');
    await chat.deleteMessage(bo, 'c:general', two.seq);
    expect((await chat.conversations(cy)).find((c) => c.id === 'c:general')).toMatchObject({ unread: 1, lastSeq: 2 });
  });

  it('names every author by their current name, in history and in edits', async () => {
    const sent = await say(bo, 'before the rename');
    await storage.db
      .updateTable('users')
      .set({ name: 'Bob', name_key: nameKey('Bob') })
      .where('id', '=', bo.user.id)
      .execute();
    expect((await page(ana))[0]?.author).toEqual({ id: bo.user.id, name: 'Bob' });
    // The actor still carries the old name (an open connection): the stored name wins.
    const { message } = await chat.edit(bo, { conversationId: 'c:general', seq: sent.seq, text: 'after' });
    expect(message.author).toEqual({ id: bo.user.id, name: 'Bob' });
  });

  it('finds nothing of another space or of a direct conversation one is not in', async () => {
    await chat.createChannel(ana, 'secret');
    const secret = await say(ana, 'ours', 'c:secret');
    const dm = (await chat.openDirect(ana, bo.user.id)).view.id;
    const whisper = await say(ana, 'psst', dm);

    const otherSpace = await newSpace('chat-other');
    const stranger = await member(otherSpace, 'Ana', 'owner');
    await chat.conversations(stranger);
    for (const attempt of [
      () => chat.edit(stranger, { conversationId: 'c:secret', seq: secret.seq, text: 'x' }),
      () => chat.deleteMessage(stranger, 'c:secret', secret.seq),
      () => chat.deleteChannel(stranger, 'c:secret'),
      () => chat.archiveChannel(stranger, 'c:secret', true),
      () => chat.deleteMessage({ ...cy, role: 'admin' }, dm, whisper.seq),
      () => chat.deleteChannel(cy, dm),
    ]) {
      expect((await rejection(attempt())).code).toBe(ErrorCode.NotFound);
    }
    // The stranger's own general channel is not Ana's: seq 1 there does not exist.
    await say(ana, 'in general');
    expect((await rejection(chat.deleteMessage(stranger, 'c:general', 1))).code).toBe(ErrorCode.NotFound);
    expect(await page(ana, 'c:secret')).toEqual([secret]);
    expect(await page(ana, dm)).toEqual([whisper]);
  });

  it('deletes a channel with its messages and read marks, leaving other spaces alone, and never #general', async () => {
    await chat.createChannel(ana, 'design');
    await say(bo, 'draft 1', 'c:design');
    await chat.markRead(cy, 'c:design', 1);
    // Another space with a channel of the same name and a read mark on it.
    const otherSpace = await newSpace('chat-other');
    const dan = await member(otherSpace, 'Dan', 'owner');
    await chat.conversations(dan);
    await chat.createChannel(dan, 'design');
    await say(dan, 'theirs', 'c:design');
    await chat.markRead(dan, 'c:design', 1);

    expect(await chat.deleteChannel(ana, 'c:design')).toEqual({ conversationId: 'c:design' });
    expect((await chat.conversations(cy)).map((c) => c.id)).toEqual(['c:general']);
    expect((await rejection(chat.history(cy, { conversationId: 'c:design' }))).code).toBe(ErrorCode.NotFound);
    const left = await storage.db
      .selectFrom('chat_messages')
      .select('space')
      .where('conversation', '=', 'c:design')
      .where('space', 'in', [space, otherSpace])
      .execute();
    expect(left).toEqual([{ space: otherSpace }]);
    const marks = await storage.db
      .selectFrom('chat_reads')
      .select('user_id')
      .where('conversation', '=', 'c:design')
      .where('user_id', 'in', [cy.user.id, dan.user.id])
      .execute();
    expect(marks).toEqual([{ user_id: dan.user.id }]);
    expect((await chat.conversations(dan)).find((c) => c.id === 'c:design')).toMatchObject({ lastSeq: 1 });

    // A channel made again under the name starts afresh.
    await chat.createChannel(bo, 'design');
    expect((await say(bo, 'again', 'c:design')).seq).toBe(1);
    expect((await rejection(chat.deleteChannel(ana, 'c:design-none'))).code).toBe(ErrorCode.NotFound);
    expect((await rejection(chat.deleteChannel(ana, 'c:general'))).code).toBe(ErrorCode.Conflict);
    const dm = (await chat.openDirect(ana, bo.user.id)).view.id;
    expect((await rejection(chat.deleteChannel(ana, dm))).code).toBe(ErrorCode.BadRequest);
  });

  it('archives a channel read-only and brings it back; #general and direct conversations stay as they are', async () => {
    await chat.createChannel(ana, 'old');
    const kept = await say(bo, 'history stays', 'c:old');
    expect(await chat.archiveChannel(ana, 'c:old', true)).toEqual({
      id: 'c:old',
      kind: 'channel',
      name: 'old',
      lastSeq: 1,
      archived: true,
    });
    expect((await chat.conversations(cy)).find((c) => c.id === 'c:old')).toMatchObject({ archived: true });
    const refused = await rejection(say(bo, 'anyone?', 'c:old'));
    expect(refused).toMatchObject({ code: ErrorCode.Conflict, message: 'This channel is archived' });
    const edit = await rejection(chat.edit(bo, { conversationId: 'c:old', seq: kept.seq, text: 'changed' }));
    expect(edit).toMatchObject({ code: ErrorCode.Conflict, message: 'This channel is archived' });
    expect(await page(cy, 'c:old')).toEqual([kept]);
    // Archiving again keeps it archived.
    expect(await chat.archiveChannel(ana, 'c:old', true)).toMatchObject({ archived: true });

    expect(await chat.archiveChannel(ana, 'c:old', false)).toMatchObject({ archived: false });
    expect((await say(bo, 'back', 'c:old')).seq).toBe(2);
    expect((await chat.conversations(cy)).find((c) => c.id === 'c:old')).toMatchObject({ archived: false });

    expect((await rejection(chat.archiveChannel(ana, 'c:general', true))).code).toBe(ErrorCode.Conflict);
    const dm = (await chat.openDirect(ana, bo.user.id)).view.id;
    expect((await rejection(chat.archiveChannel(ana, dm, true))).code).toBe(ErrorCode.BadRequest);
    expect((await say(ana, 'still open')).seq).toBe(1);
  });
});
