import type { ChatMessage, ConversationView, PublicUser } from '@huddle/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { ana, bo, cy, general } from '../test-fixtures';
import { contiguousSeq, MAX_NOTICES, nextTypingExpiry, typingUsersAt, useChatStore } from './chat-store';

const random: ConversationView = {
  id: 'c:random',
  kind: 'channel',
  name: 'random',
  lastSeq: 0,
  unread: 0,
  lastReadSeq: 0,
};
const withBo: ConversationView = {
  id: 'dm:u-ana:u-bo',
  kind: 'direct',
  peer: bo,
  lastSeq: 0,
  unread: 0,
  lastReadSeq: 0,
};

function message(seq: number, author: PublicUser = bo, conversationId = general.id): ChatMessage {
  return { conversationId, seq, clientId: `client-${author.id}-${seq}`, author, text: `m${seq}`, sentAt: seq * 1000 };
}

const store = () => useChatStore.getState();
const conversation = (id = general.id) => {
  const held = store().conversations?.[id];
  if (held === undefined) throw new Error(`no conversation ${id}`);
  return held;
};
const seqs = (id = general.id) => conversation(id).messages.map((m) => m.seq);

describe('chat store', () => {
  beforeEach(() => {
    store().clear();
    store().setViewing(false);
    store().setSelf(ana);
    store().receiveConversations([general, random, withBo]);
  });

  describe('conversations', () => {
    it('starts on the general channel and keeps the active one across a new list', () => {
      expect(store().activeId).toBe('c:general');
      store().setActive(random.id);
      store().receiveConversations([general, random]);
      expect(store().activeId).toBe(random.id);
      store().receiveConversations([general]);
      expect(store().activeId).toBe(general.id);
    });

    it('ignores switching to an unknown conversation', () => {
      store().setActive('c:nope');
      expect(store().activeId).toBe(general.id);
    });

    it('adds a conversation announced later without touching the ones held', () => {
      store().receiveMessage(message(1));
      store().upsertConversation({ id: 'c:ops', kind: 'channel', name: 'ops', lastSeq: 0 });
      store().upsertConversation({ ...general, lastSeq: 0 });
      expect(conversation('c:ops').unread).toBe(0);
      expect(seqs()).toEqual([1]);
      expect(conversation().info.lastSeq).toBe(1);
    });

    it('takes the server’s unread counts and read positions on a new list', () => {
      store().receiveMessage(message(1));
      store().receiveConversations([{ ...general, lastSeq: 4, unread: 3, lastReadSeq: 1 }]);
      expect(conversation()).toMatchObject({ unread: 3, lastReadSeq: 1, messages: [message(1)] });
    });

    it('drops messages for a conversation it does not know', () => {
      store().receiveMessage(message(1, bo, 'c:unknown'));
      expect(store().conversations?.['c:unknown']).toBeUndefined();
    });
  });

  describe('messages', () => {
    it('keeps messages sorted by seq and each seq once, whatever the arrival order', () => {
      store().receiveMessage(message(3));
      store().receiveMessage(message(1));
      store().receiveMessage(message(3));
      store().receiveHistory(
        { conversationId: general.id, messages: [message(2), message(3)], hasMore: false },
        'after',
      );
      expect(seqs()).toEqual([1, 2, 3]);
    });

    it('catches up from the last seq held without a gap, not from the newest', () => {
      expect(contiguousSeq(conversation())).toBe(0);
      for (const seq of [51, 52, 53, 55]) store().receiveMessage(message(seq));
      expect(contiguousSeq(conversation())).toBe(53);
      store().receiveMessage(message(54));
      expect(contiguousSeq(conversation())).toBe(55);
    });

    it('replaces a pending message by the stored one with its client id, once, from ack or broadcast', () => {
      store().addOutgoing({ clientId: 'abc12345', conversationId: general.id, text: 'hi', author: ana, createdAt: 1 });
      expect(store().beginAttempt(general.id, 'abc12345')).toBe(1);
      const stored = { ...message(5, ana), clientId: 'abc12345', text: 'hi' };
      store().receiveMessage(stored); // the broadcast may come before the ack
      expect(conversation().outgoing).toEqual([]);
      store().receiveMessage(stored); // …then the ack
      expect(conversation().messages).toEqual([stored]);
    });

    it('marks a failed attempt, ignores the late answer of an earlier one, and retries', () => {
      store().addOutgoing({ clientId: 'abc12345', conversationId: general.id, text: 'hi', author: ana, createdAt: 1 });
      const first = store().beginAttempt(general.id, 'abc12345');
      const timeout = { code: 'TIMEOUT', message: 'Not connected' } as const;
      store().failOutgoing(general.id, 'abc12345', first, timeout);
      expect(conversation().outgoing[0]).toMatchObject({ status: 'failed', error: timeout });

      const second = store().beginAttempt(general.id, 'abc12345');
      expect(conversation().outgoing[0]).toMatchObject({ status: 'pending', error: null });
      store().failOutgoing(general.id, 'abc12345', first, timeout);
      expect(conversation().outgoing[0]?.status).toBe('pending');
      store().failOutgoing(general.id, 'abc12345', second, { code: 'RATE_LIMITED', message: 'Slow down' });
      expect(conversation().outgoing[0]?.error?.message).toBe('Slow down');

      store().discardOutgoing(general.id, 'abc12345');
      expect(conversation().outgoing).toEqual([]);
      expect(store().beginAttempt(general.id, 'abc12345')).toBe(0);
    });

    it('does not take another author’s message with the same client id for a pending one', () => {
      store().addOutgoing({
        clientId: 'same-id-1',
        conversationId: general.id,
        text: 'mine',
        author: ana,
        createdAt: 1,
      });
      store().receiveMessage({ ...message(1, bo), clientId: 'same-id-1' });
      expect(conversation().outgoing).toHaveLength(1);
    });
  });

  describe('history', () => {
    it('loads the latest page, then older ones in front', () => {
      store().startHistory(general.id, 'latest');
      expect(conversation().loadingLatest).toBe(true);
      store().receiveHistory(
        { conversationId: general.id, messages: [message(51), message(52)], hasMore: true },
        'latest',
      );
      expect(conversation()).toMatchObject({ loaded: true, loadingLatest: false, hasOlder: true });

      store().startHistory(general.id, 'older');
      store().receiveHistory(
        { conversationId: general.id, messages: [message(49), message(50)], hasMore: false },
        'older',
      );
      expect(seqs()).toEqual([49, 50, 51, 52]);
      expect(conversation()).toMatchObject({ loadingOlder: false, hasOlder: false });
    });

    it('merges a catch-up after a reconnect with no gap and no duplicate', () => {
      store().receiveHistory(
        { conversationId: general.id, messages: [message(1), message(2)], hasMore: false },
        'latest',
      );
      store().receiveConversations([{ ...general, lastSeq: 5, unread: 3, lastReadSeq: 2 }]);
      store().receiveMessage(message(5)); // live while the catch-up pages come in
      store().receiveHistory(
        { conversationId: general.id, messages: [message(3), message(4)], hasMore: true },
        'after',
      );
      store().receiveHistory({ conversationId: general.id, messages: [message(5)], hasMore: false }, 'after');
      expect(seqs()).toEqual([1, 2, 3, 4, 5]);
      // The server already counted 3–5 in its list.
      expect(conversation().unread).toBe(3);
    });

    it('keeps the older-loading state and the error of a failed request', () => {
      store().startHistory(general.id, 'older');
      store().historyFailed(general.id, 'older', 'The server did not answer in time');
      expect(conversation()).toMatchObject({ loadingOlder: false, historyError: 'The server did not answer in time' });
      store().startHistory(general.id, 'older');
      expect(conversation().historyError).toBeNull();
    });
  });

  describe('edits, deletes and channels going', () => {
    const edited = (seq: number, text: string, editedAt: number) => ({ ...message(seq), text, editedAt });
    const deleted = (seq: number) => ({ ...message(seq), text: '', deleted: true });

    it('shows an edit or a delete of a held message, in place', () => {
      store().receiveHistory(
        { conversationId: general.id, messages: [message(1), message(2)], hasMore: false },
        'latest',
      );
      store().receiveMessageChange(edited(1, 'm1, better', 5));
      store().receiveMessageChange(deleted(2));
      expect(conversation().messages).toEqual([edited(1, 'm1, better', 5), deleted(2)]);
      // A change to a message it does not hold adds nothing: it is read fresh when it is loaded.
      store().receiveMessageChange(edited(7, 'far away', 5));
      expect(seqs()).toEqual([1, 2]);
    });

    it('keeps the latest version whatever the order copies arrive in', () => {
      store().receiveMessage(message(1));
      store().receiveMessageChange(edited(1, 'second edit', 20));
      // A catch-up page asked before the second edit, answered after it.
      store().receiveHistory(
        { conversationId: general.id, messages: [edited(1, 'first edit', 10)], hasMore: false },
        'after',
      );
      store().receiveMessage(message(1));
      expect(conversation().messages).toEqual([edited(1, 'second edit', 20)]);
      store().receiveMessageChange(deleted(1));
      store().receiveMessageChange(edited(1, 'too late', 30));
      store().receiveHistory(
        { conversationId: general.id, messages: [edited(1, 'second edit', 20), message(2)], hasMore: false },
        'after',
      );
      expect(conversation().messages).toEqual([deleted(1), message(2)]);
    });

    it('does not count a changed message as unread again', () => {
      store().receiveMessage(message(1));
      expect(conversation().unread).toBe(1);
      store().receiveMessageChange(edited(1, 'again', 5));
      store().receiveHistory(
        { conversationId: general.id, messages: [edited(1, 'again', 5)], hasMore: false },
        'after',
      );
      expect(conversation()).toMatchObject({ unread: 1, info: { lastSeq: 1 } });
    });

    it('drops a removed conversation with its draft, and shows general if it was on screen', () => {
      store().setDraft(random.id, 'half a thought');
      store().setActive(random.id);
      store().removeConversation(random.id);
      expect(store().conversations?.[random.id]).toBeUndefined();
      expect(store().drafts[random.id]).toBeUndefined();
      expect(store().activeId).toBe(general.id);
      // Removing one not on screen leaves the screen as it is.
      store().setActive(withBo.id);
      store().removeConversation('c:unknown');
      expect(store().activeId).toBe(withBo.id);
    });

    it('takes a channel archived or back from the announcement and from a new list', () => {
      store().upsertConversation({ id: random.id, kind: 'channel', name: 'random', lastSeq: 0, archived: true });
      expect(conversation(random.id).info).toMatchObject({ archived: true });
      store().receiveConversations([general, { ...random, archived: false }, withBo]);
      expect(conversation(random.id).info).toMatchObject({ archived: false });
    });
  });

  describe('unread', () => {
    it('counts messages from others in conversations not being viewed', () => {
      store().setViewing(true); // general is active and on screen
      store().receiveMessage(message(1));
      store().receiveMessage(message(1, bo, random.id));
      store().receiveMessage(message(2, cy, random.id));
      store().receiveMessage(message(1, bo, withBo.id));
      expect(conversation().unread).toBe(0);
      expect(conversation(random.id).unread).toBe(2);
      expect(conversation(withBo.id).unread).toBe(1);
    });

    it('counts messages in the active conversation while it is not on screen (hidden tab)', () => {
      store().setViewing(false);
      store().receiveMessage(message(1));
      expect(conversation().unread).toBe(1);
    });

    it('never counts the user’s own messages, from this tab or another', () => {
      store().receiveMessage(message(1, ana, random.id));
      expect(conversation(random.id).unread).toBe(0);
    });

    it('counts a message once when it arrives twice', () => {
      store().receiveMessage(message(1, bo, random.id));
      store().receiveHistory(
        { conversationId: random.id, messages: [message(1, bo, random.id)], hasMore: false },
        'latest',
      );
      store().receiveMessage(message(1, bo, random.id));
      expect(conversation(random.id).unread).toBe(1);
    });

    it('does not count older history', () => {
      store().receiveConversations([{ ...random, lastSeq: 60, unread: 0, lastReadSeq: 60 }]);
      const page = Array.from({ length: 10 }, (_, i) => message(51 + i, bo, random.id));
      store().receiveHistory({ conversationId: random.id, messages: page, hasMore: true }, 'latest');
      expect(conversation(random.id).unread).toBe(0);
    });

    it('clears on a read mark up to the last message and never moves the read position back', () => {
      for (const seq of [1, 2, 3]) store().receiveMessage(message(seq, bo, random.id));
      store().applyReadMark({ conversationId: random.id, seq: 3 });
      expect(conversation(random.id)).toMatchObject({ unread: 0, lastReadSeq: 3 });
      store().applyReadMark({ conversationId: random.id, seq: 1 });
      expect(conversation(random.id).lastReadSeq).toBe(3);
    });

    it('keeps what is after a partial read mark (another tab read less)', () => {
      store().receiveMessage(message(1, bo, random.id));
      store().receiveMessage(message(2, ana, random.id));
      store().receiveMessage(message(3, bo, random.id));
      store().receiveMessage(message(4, cy, random.id));
      expect(conversation(random.id).unread).toBe(3);
      store().applyReadMark({ conversationId: random.id, seq: 2 });
      expect(conversation(random.id).unread).toBe(2);
    });

    it('counts seqs it does not hold after a partial read mark as possibly unread', () => {
      store().receiveConversations([{ ...random, lastSeq: 10, unread: 6, lastReadSeq: 4 }]);
      store().applyReadMark({ conversationId: random.id, seq: 7 });
      expect(conversation(random.id).unread).toBe(3);
    });
  });

  describe('typing', () => {
    it('shows who is typing until their signal expires, by name', () => {
      store().receiveTyping({ conversationId: general.id, user: cy, expiresAt: 5000 });
      store().receiveTyping({ conversationId: general.id, user: bo, expiresAt: 3000 });
      const typing = conversation().typing;
      expect(typingUsersAt(typing, 1000).map((u) => u.name)).toEqual(['Bo', 'Cy']);
      expect(nextTypingExpiry(typing, 1000)).toBe(3000);
      expect(typingUsersAt(typing, 3000).map((u) => u.name)).toEqual(['Cy']);
      expect(nextTypingExpiry(typing, 3000)).toBe(5000);
      expect(typingUsersAt(typing, 5000)).toEqual([]);
      expect(nextTypingExpiry(typing, 5000)).toBeNull();
    });

    it('extends a repeated signal rather than listing the user twice', () => {
      store().receiveTyping({ conversationId: general.id, user: bo, expiresAt: 3000 });
      store().receiveTyping({ conversationId: general.id, user: bo, expiresAt: 8000 });
      expect(conversation().typing).toEqual([{ user: bo, expiresAt: 8000 }]);
    });

    it('stops showing a user once their message arrives', () => {
      store().receiveTyping({ conversationId: general.id, user: bo, expiresAt: 9000 });
      store().receiveTyping({ conversationId: general.id, user: cy, expiresAt: 9000 });
      store().receiveMessage(message(1, bo));
      expect(typingUsersAt(conversation().typing, 0)).toEqual([cy]);
    });

    it('ignores the user’s own typing', () => {
      store().receiveTyping({ conversationId: general.id, user: ana, expiresAt: 9000 });
      expect(conversation().typing).toEqual([]);
    });
  });

  describe('presence', () => {
    it('takes the snapshot without adding a notice', () => {
      store().receivePresence({ users: [bo, ana], at: 1000 });
      expect(store().users).toEqual([ana, bo]);
      expect(store().notices).toEqual([]);
    });

    it('applies changes to the list and adds join and leave notices once each, in time order', () => {
      store().receivePresence({ users: [ana], at: 1000 });
      store().receivePresence({ changes: [{ kind: 'joined', user: bo, at: 2000 }] });
      expect(store().users).toEqual([ana, bo]);
      const left = { kind: 'left', user: bo, at: 3000 } as const;
      store().receivePresence({ changes: [left] });
      store().receivePresence({ changes: [left] });
      store().receivePresence({ changes: [{ kind: 'joined', user: cy, at: 2500 }] });
      expect(store().notices.map((n) => `${n.user.name} ${n.kind}`)).toEqual(['Bo joined', 'Cy joined', 'Bo left']);
      expect(store().users).toEqual([ana, cy]);
    });

    it('takes a batch of changes in one update', () => {
      store().receivePresence({ users: [ana], at: 1000 });
      store().receivePresence({
        changes: [
          { kind: 'joined', user: bo, at: 1100 },
          { kind: 'joined', user: cy, at: 1150 },
          { kind: 'left', user: bo, at: 1200 },
        ],
      });
      expect(store().users).toEqual([ana, cy]);
      expect(store().notices.map((n) => `${n.user.name} ${n.kind}`)).toEqual(['Bo joined', 'Cy joined', 'Bo left']);
    });

    it('keeps only the latest notices', () => {
      for (let at = 0; at < MAX_NOTICES + 5; at += 1) {
        store().receivePresence({ changes: [{ kind: at % 2 ? 'left' : 'joined', user: bo, at }] });
      }
      expect(store().notices).toHaveLength(MAX_NOTICES);
      expect(store().notices[0]?.at).toBe(5);
    });
  });

  it('forgets the space when cleared, but not whether the chat is on screen', () => {
    store().setDraft(general.id, 'half a thought');
    store().setViewing(true);
    store().clear();
    expect(store()).toMatchObject({
      conversations: null,
      activeId: null,
      drafts: {},
      viewing: true,
    });
  });
});
