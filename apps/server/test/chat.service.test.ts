import { randomBytes } from 'node:crypto';
import { CHAT_LIMITS, type ChatMessage, ErrorCode } from '@huddle/protocol';
import type { LogEvent } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../src/db/database.js';
import { AppError } from '../src/errors.js';
import { chatData } from '../src/features/chat/chat.data.js';
import { type ChatService, createChatService } from '../src/features/chat/chat.service.js';
import { createChatStore } from '../src/features/chat/chat.store.js';
import type { Actor } from '../src/session/session.service.js';
import { createUserStore } from '../src/session/user.store.js';
import { createSpaceStore } from '../src/space/space.store.js';
import { createPgDatabase, storageBackends, tempDir, uniqueSpace, useStorage } from './helpers.js';

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

const texts = (messages: ChatMessage[]) => messages.map((m) => m.text);

/** What the app creates a space with: chat's #general. */
const seeds = (db: Db) => {
  const { seedSpace } = chatData(db);
  return seedSpace ? [seedSpace] : [];
};

describe.each(storageBackends)('chat service on $name', (backend) => {
  const storage = useStorage(backend);
  let t = 1_800_000_000_000;
  const clock = { now: () => t };
  let chat: ChatService;
  let space: string;
  let ana: Actor;
  let bo: Actor;
  let cy: Actor;
  const clientId = () => randomBytes(8).toString('hex');

  beforeEach(async () => {
    t += 60_000;
    const users = createUserStore(storage.db);
    chat = createChatService({ store: createChatStore(storage.db), clock, findUser: users.findById });
    space = uniqueSpace('chat');
    await createSpaceStore(storage.db, () => seeds(storage.db)).create(space, 'open', t);
    const member = async (name: string): Promise<Actor> => {
      const id = `${space}-${name.toLowerCase()}`;
      await users.create({ id, space, name, createdAt: t });
      return { user: { id, name }, space };
    };
    ana = await member('Ana');
    bo = await member('Bo');
    cy = await member('Cy');
  });

  const say = (who: Actor, text: string, conversationId = 'c:general', id = clientId()) =>
    chat.send(who, { conversationId, clientId: id, text });

  it('gives every space a general channel from its creation on', async () => {
    const views = await chat.conversations(ana);
    expect(views).toEqual([
      { id: 'c:general', kind: 'channel', name: 'general', lastSeq: 0, archived: false, unread: 0, lastReadSeq: 0 },
    ]);
  });

  it('numbers messages 1, 2, 3… per conversation and pages them in a stable order', async () => {
    await chat.conversations(ana);
    await chat.createChannel(ana, 'random');
    for (let i = 1; i <= 7; i += 1) {
      const { message } = await say(i % 2 ? ana : bo, `m${i}`);
      expect(message.seq).toBe(i);
      t += 400; // within the send rate
    }
    expect((await say(bo, 'elsewhere', 'c:random')).message.seq).toBe(1);

    const latest = await chat.history(ana, { conversationId: 'c:general', limit: 3 });
    expect(texts(latest.messages)).toEqual(['m5', 'm6', 'm7']);
    expect(latest.hasMore).toBe(true);
    const older = await chat.history(ana, { conversationId: 'c:general', before: 5, limit: 3 });
    expect(texts(older.messages)).toEqual(['m2', 'm3', 'm4']);
    const oldest = await chat.history(ana, { conversationId: 'c:general', before: 2, limit: 3 });
    expect(oldest).toMatchObject({ hasMore: false });
    expect(texts(oldest.messages)).toEqual(['m1']);
    const missed = await chat.history(ana, { conversationId: 'c:general', after: 4, limit: 2 });
    expect(texts(missed.messages)).toEqual(['m5', 'm6']);
    expect(missed.hasMore).toBe(true);
  });

  it('assigns gapless seqs to concurrent senders', async () => {
    await chat.conversations(ana);
    const sent = await Promise.all([ana, bo, cy].flatMap((who) => [say(who, 'a'), say(who, 'b'), say(who, 'c')]));
    expect(sent.map((s) => s.message.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const page = await chat.history(ana, { conversationId: 'c:general' });
    expect(page.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('stores a retried message once, even when the retries race', async () => {
    await chat.conversations(ana);
    const first = await say(ana, 'hello', 'c:general', 'retry-me-1');
    const again = await say(ana, 'hello', 'c:general', 'retry-me-1');
    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({ duplicate: true, message: first.message });

    const raced = await Promise.all([1, 2, 3].map(() => say(bo, 'once', 'c:general', 'retry-me-2')));
    expect(new Set(raced.map((r) => r.message.seq)).size).toBe(1);
    expect(raced.filter((r) => !r.duplicate)).toHaveLength(1);
    // Another author may use the same client id: ids are per author.
    expect((await say(cy, 'mine', 'c:general', 'retry-me-1')).duplicate).toBe(false);
    expect(texts((await chat.history(ana, { conversationId: 'c:general' })).messages)).toEqual([
      'hello',
      'once',
      'mine',
    ]);
  });

  it('stores a message appended twice at once a single time, answering both with its seq and giving no seq away', async () => {
    // Straight to the store, past the service's lookup: both appends race to the unique key.
    const store = createChatStore(storage.db);
    await chat.conversations(ana);
    const message = { author: ana.user, clientId: 'twice-at-once', text: 'once', now: t };
    const [a, b] = await Promise.all([1, 2].map(() => store.append(space, 'c:general', message)));
    expect([a?.duplicate, b?.duplicate].sort()).toEqual([false, true]);
    expect(a?.message).toEqual(b?.message);
    expect(a?.message).toMatchObject({ seq: 1, author: ana.user, clientId: 'twice-at-once', text: 'once', sentAt: t });
    expect((await chat.history(ana, { conversationId: 'c:general' })).messages).toEqual([a?.message]);
    expect((await store.get(space, 'c:general'))?.lastSeq).toBe(1);
    expect((await say(bo, 'next')).message.seq).toBe(2);
  });

  it('keeps a direct conversation to its two members', async () => {
    const opened = await chat.openDirect(ana, bo.user.id);
    expect(opened.view).toMatchObject({ kind: 'direct', peer: bo.user });
    expect((await chat.openDirect(bo, ana.user.id)).created).toBe(false);
    const dm = opened.view.id;
    const { audience } = await say(bo, 'just us', dm);
    expect(audience).toEqual({ kind: 'users', userIds: expect.arrayContaining([ana.user.id, bo.user.id]) });
    expect(texts((await chat.history(ana, { conversationId: dm })).messages)).toEqual(['just us']);

    for (const attempt of [
      () => chat.history(cy, { conversationId: dm }),
      () => say(cy, 'let me in', dm),
      () => chat.markRead(cy, dm, 1),
      () => chat.typing(cy, dm),
    ]) {
      expect((await rejection(attempt())).code).toBe(ErrorCode.NotFound);
    }
    expect((await chat.conversations(cy)).map((c) => c.id)).toEqual(['c:general']);
    expect((await chat.conversations(ana)).find((c) => c.id === dm)).toMatchObject({ peer: bo.user, unread: 1 });
  });

  it('refuses a direct conversation with oneself or with someone from another space', async () => {
    expect((await rejection(chat.openDirect(ana, ana.user.id))).code).toBe(ErrorCode.BadRequest);
    expect((await rejection(chat.openDirect(ana, 'nobody'))).code).toBe(ErrorCode.NotFound);
    const stranger = { ...bo, space: uniqueSpace('other') };
    expect((await rejection(chat.openDirect(stranger, ana.user.id))).code).toBe(ErrorCode.NotFound);
  });

  it('refuses unknown conversations', async () => {
    expect((await rejection(say(ana, 'hi', 'c:nowhere'))).code).toBe(ErrorCode.NotFound);
    expect((await rejection(chat.history(ana, { conversationId: 'dm:x:y' }))).code).toBe(ErrorCode.NotFound);
  });

  it('limits each user to a burst, then a steady rate, without slowing anyone else', async () => {
    await chat.conversations(ana);
    for (let i = 0; i < CHAT_LIMITS.sendBurst; i += 1) await say(ana, `burst ${i}`, 'c:general', `burst-id-${i}`);
    const limited = await rejection(say(ana, 'one too many'));
    // A retry of a message already stored (its ack was lost) is answered even at the limit.
    expect(await say(ana, 'burst 0', 'c:general', 'burst-id-0')).toMatchObject({
      duplicate: true,
      message: { seq: 1 },
    });
    expect(limited.code).toBe(ErrorCode.RateLimited);
    expect(limited.message).toMatch(/too fast; try again in 1 s/);
    expect((await say(bo, 'not me')).message.seq).toBe(CHAT_LIMITS.sendBurst + 1);
    t += 1000 / CHAT_LIMITS.sendPerSecond;
    expect((await say(ana, 'after a pause')).duplicate).toBe(false);
    expect((await chat.history(ana, { conversationId: 'c:general' })).messages).toHaveLength(CHAT_LIMITS.sendBurst + 2);
  });

  it('counts unread messages from others and moves read marks only forward', async () => {
    await chat.conversations(ana);
    await say(bo, 'one');
    await say(bo, 'two');
    await say(ana, 'mine');
    await say(bo, 'three');
    const unread = async (who: Actor) => (await chat.conversations(who)).find((c) => c.id === 'c:general');
    expect(await unread(ana)).toMatchObject({ unread: 3, lastSeq: 4, lastReadSeq: 0 });
    expect(await chat.markRead(ana, 'c:general', 2)).toEqual({ conversationId: 'c:general', seq: 2 });
    expect(await unread(ana)).toMatchObject({ unread: 1, lastReadSeq: 2 });
    expect(await chat.markRead(ana, 'c:general', 1)).toEqual({ conversationId: 'c:general', seq: 2 });
    expect(await chat.markRead(ana, 'c:general', 999)).toEqual({ conversationId: 'c:general', seq: 4 });
    expect(await unread(ana)).toMatchObject({ unread: 0, lastReadSeq: 4 });
    expect(await unread(bo)).toMatchObject({ unread: 1 });
  });

  it('creates a channel once and caps how many a space holds', async () => {
    const made = await chat.createChannel(ana, 'design');
    expect(made).toMatchObject({ created: true, view: { id: 'c:design', kind: 'channel', name: 'design' } });
    expect((await chat.createChannel(bo, 'design')).created).toBe(false);
    for (let i = (await chat.conversations(ana)).length; i < CHAT_LIMITS.maxChannelsPerSpace; i += 1) {
      await chat.createChannel(ana, `extra-${i}`);
    }
    expect((await rejection(chat.createChannel(ana, 'one-more'))).code).toBe(ErrorCode.Conflict);
    expect((await chat.createChannel(ana, 'design')).created).toBe(false);
  });

  it('passes typing signals on with an expiry, dropping floods', async () => {
    await chat.conversations(ana);
    const signal = await chat.typing(ana, 'c:general');
    expect(signal).toEqual({
      typing: { conversationId: 'c:general', user: ana.user, expiresAt: t + CHAT_LIMITS.typingTtlMs },
      audience: { kind: 'space' },
    });
    const flood = await Promise.all([1, 2, 3, 4, 5].map(() => chat.typing(ana, 'c:general')));
    expect(flood.filter((s) => s === null).length).toBeGreaterThan(0);
  });
});

/** Each storage again, opened with a query log (the shared backends open without one). */
const loggedBackends: {
  name: string;
  open(onQuery: (event: LogEvent) => void): Promise<{ db: Db; close(): Promise<void> }>;
}[] = [
  {
    name: 'SQLite',
    async open(onQuery) {
      const dir = tempDir();
      const { db } = await openDatabase({ dataDir: dir.dir, onQuery });
      return {
        db,
        async close() {
          await db.destroy();
          dir.remove();
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    async open(onQuery) {
      const pg = await createPgDatabase();
      const { db } = await openDatabase({ dataDir: '', databaseUrl: pg.url, onQuery });
      return {
        db,
        async close() {
          await db.destroy();
          await pg.drop();
        },
      };
    },
  },
];

describe.each(loggedBackends)('chat:send statements on $name', (backend) => {
  const statements: string[] = [];
  let storage: Awaited<ReturnType<typeof backend.open>>;
  beforeAll(async () => {
    storage = await backend.open((event) => statements.push(event.query.sql));
  });
  afterAll(() => storage.close());

  /** A chat service on the logged storage, and Ana alone in a new space. */
  async function anaInNewSpace(prefix: string) {
    const now = 1_800_000_000_000;
    const users = createUserStore(storage.db);
    const chat = createChatService({
      store: createChatStore(storage.db),
      clock: { now: () => now },
      findUser: users.findById,
    });
    const space = uniqueSpace(prefix);
    await createSpaceStore(storage.db, () => seeds(storage.db)).create(space, 'open', now);
    await users.create({ id: `${space}-ana`, space, name: 'Ana', createdAt: now });
    const ana: Actor = { user: { id: `${space}-ana`, name: 'Ana' }, space };
    return { chat, ana };
  }

  it('stores a new message in at most 5 statements and answers its retry in 1', async () => {
    const { chat, ana } = await anaInNewSpace('count');
    await chat.conversations(ana);
    const counted = async () => {
      statements.length = 0;
      const sent = await chat.send(ana, { conversationId: 'c:general', clientId: 'count-me', text: 'hello' });
      return { sent, statements: [...statements] };
    };

    const fresh = await counted();
    expect(fresh.sent.duplicate).toBe(false);
    expect(fresh.statements.length, fresh.statements.join('\n')).toBeLessThanOrEqual(5);
    // Built from what the send knew, yet the same as what was stored.
    expect((await chat.history(ana, { conversationId: 'c:general' })).messages).toEqual([fresh.sent.message]);

    const retry = await counted();
    expect(retry.sent).toMatchObject({ duplicate: true, message: fresh.sent.message });
    expect(retry.statements, retry.statements.join('\n')).toHaveLength(1);
  });

  it("lists a user's conversations without writing, the first time in a new space too", async () => {
    const { chat, ana } = await anaInNewSpace('reads');
    const writes = () => statements.filter((sql) => !/^\s*select/i.test(sql));

    statements.length = 0;
    expect((await chat.conversations(ana)).map((c) => c.id)).toEqual(['c:general']);
    expect(writes(), writes().join('\n')).toEqual([]);
  });
});
