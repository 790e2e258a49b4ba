import type { Ack, ChatHistoryPage, ChatMessage, CommandName } from '@huddle/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { newClientId } from '../../lib/client-id';
import { sendCommand } from '../../lib/socket';
import { enterSpace } from '../../lib/space-epoch';
import { useConnectionStore } from '../../stores/connection-store';
import {
  archiveChannel,
  deleteChannel,
  deleteMessage,
  editMessage,
  markRead,
  notifyTyping,
  READ_MARK_DELAY_MS,
  resumeChat,
  retryMessage,
  sendMessage,
  TYPING_THROTTLE_MS,
} from './commands';
import { useChatStore } from './stores/chat-store';
import { ana, bo, general } from './test-fixtures';

vi.mock('../../lib/socket', () => ({ sendCommand: vi.fn() }));

type Handler = (name: CommandName, payload: unknown) => Ack<unknown> | undefined;

const timeout = {
  ok: false,
  error: { code: 'TIMEOUT', message: 'Not connected — try again once reconnected' },
} as const;

const mockedSend = vi.mocked(sendCommand);
const sent = () => mockedSend.mock.calls.map(([name, payload]) => ({ name, payload }));

/** Answers each command with `handler`, or with TIMEOUT when it returns nothing. */
function answer(handler: Handler): void {
  // Each test answers only the commands it is about; the types of the answers are the test's to get right.
  mockedSend.mockImplementation(async (name, payload) => (handler(name, payload) ?? timeout) as never);
}

function stored(seq: number, clientId: string, text: string, author = ana): ChatMessage {
  return { conversationId: general.id, seq, clientId, author, text, sentAt: seq };
}

const store = () => useChatStore.getState();
const general$ = () => store().conversations?.[general.id];

describe('chat commands', () => {
  beforeEach(() => {
    mockedSend.mockReset();
    useConnectionStore.getState().setPhase('connected');
    store().clear();
    store().setViewing(false);
    store().setSelf(ana);
    store().receiveConversations([general]);
  });

  afterEach(() => vi.useRealTimers());

  it('generates client ids of 32 hex characters', () => {
    const ids = new Set(Array.from({ length: 50 }, newClientId));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('shows a message as pending, then as stored', async () => {
    let release: (ack: Ack<ChatMessage>) => void = () => {};
    mockedSend.mockImplementation(() => new Promise((resolve) => (release = resolve as typeof release)));
    expect(sendMessage(general.id, '  hello\r\nthere  ')).toBeNull();
    const [pending] = general$()?.outgoing ?? [];
    expect(pending).toMatchObject({ status: 'pending', text: 'hello\nthere', author: ana });

    release({ ok: true, data: stored(1, pending?.clientId ?? '', 'hello\nthere') });
    await vi.waitFor(() => expect(general$()?.outgoing).toEqual([]));
    expect(general$()?.messages.map((m) => m.text)).toEqual(['hello\nthere']);
  });

  it('refuses empty text without queuing anything', () => {
    expect(sendMessage(general.id, '   ')).toBe('Write something first');
    expect(general$()?.outgoing).toEqual([]);
    expect(mockedSend).not.toHaveBeenCalled();
  });

  it('fails while disconnected and retries with the same client id', async () => {
    useConnectionStore.getState().setPhase('reconnecting');
    answer(() => undefined);
    sendMessage(general.id, 'hi');
    await vi.waitFor(() => expect(general$()?.outgoing[0]?.status).toBe('failed'));
    expect(general$()?.outgoing[0]?.error?.message).toMatch(/^Not connected/);

    const clientId = general$()?.outgoing[0]?.clientId ?? '';
    useConnectionStore.getState().setPhase('connected');
    answer((name) => (name === 'chat:send' ? { ok: true, data: stored(4, clientId, 'hi') } : undefined));
    retryMessage(general.id, clientId);
    await vi.waitFor(() => expect(general$()?.outgoing).toEqual([]));
    const sends = sent().filter((call) => call.name === 'chat:send');
    expect(sends.map((call) => (call.payload as { clientId: string }).clientId)).toEqual([clientId, clientId]);
  });

  it('keeps the server’s reason for a refused message', async () => {
    answer(() => ({ ok: false, error: { code: 'RATE_LIMITED', message: 'Slow down — try again in 1 s' } }));
    sendMessage(general.id, 'spam');
    await vi.waitFor(() => expect(general$()?.outgoing[0]?.error?.message).toBe('Slow down — try again in 1 s'));
  });

  it('catches up after a reconnect, reading again what it holds, then sends again what got no answer', async () => {
    store().receiveHistory(
      { conversationId: general.id, messages: [stored(1, 'old-00001', 'one', bo)], hasMore: false },
      'latest',
    );
    useConnectionStore.getState().setPhase('reconnecting');
    answer(() => undefined);
    sendMessage(general.id, 'while away');
    await vi.waitFor(() => expect(general$()?.outgoing[0]?.status).toBe('failed'));
    const clientId = general$()?.outgoing[0]?.clientId ?? '';

    useConnectionStore.getState().setPhase('connected');
    mockedSend.mockReset();
    // Bo edited his message while this tab was away: reading from the oldest held message on brings the edit.
    const edited = { ...stored(1, 'old-00001', 'one, edited', bo), editedAt: 5 };
    const pages: Record<number, ChatHistoryPage> = {
      0: { conversationId: general.id, messages: [edited, stored(2, 'b-0000002', 'two', bo)], hasMore: true },
      // A live message (seq 9) may land before this page: paging goes on from the page, not from it.
      2: { conversationId: general.id, messages: [stored(3, 'b-0000003', 'three', bo)], hasMore: false },
    };
    answer((name, payload) => {
      if (name === 'chat:history') {
        const after = (payload as { after: number }).after;
        if (after === 0) store().receiveMessage(stored(9, 'b-0000009', 'nine', bo));
        return { ok: true, data: pages[after] };
      }
      if (name === 'chat:send') return { ok: true, data: stored(10, clientId, 'while away') };
      return undefined;
    });
    store().receiveConversations([{ ...general, lastSeq: 3, unread: 2, lastReadSeq: 1 }]);
    await resumeChat();

    expect(sent().map((call) => [call.name, call.payload])).toEqual([
      ['chat:history', { conversationId: general.id, after: 0, limit: 200 }],
      ['chat:history', { conversationId: general.id, after: 2, limit: 200 }],
      ['chat:send', { conversationId: general.id, clientId, text: 'while away' }],
    ]);
    expect(general$()?.messages.map((m) => m.seq)).toEqual([1, 2, 3, 9, 10]);
    expect(general$()?.messages[0]).toEqual(edited);
    expect(general$()?.outgoing).toEqual([]);
  });

  it('loads the active conversation on the first connect', async () => {
    answer((name) =>
      name === 'chat:history'
        ? { ok: true, data: { conversationId: general.id, messages: [], hasMore: false } }
        : undefined,
    );
    await resumeChat();
    expect(sent()).toEqual([{ name: 'chat:history', payload: { conversationId: general.id } }]);
    expect(general$()?.loaded).toBe(true);
  });

  it('drops answers that arrive after the space was closed', async () => {
    let release: (ack: Ack<ChatMessage>) => void = () => {};
    mockedSend.mockImplementation(() => new Promise((resolve) => (release = resolve as typeof release)));
    sendMessage(general.id, 'late');
    const clientId = general$()?.outgoing[0]?.clientId ?? '';
    // As the bridge leaves a space: a new epoch, and the feature forgets the old space.
    enterSpace('another-space');
    store().clear();
    store().receiveConversations([general]);
    release({ ok: true, data: stored(1, clientId, 'late') });
    await Promise.resolve();
    expect(general$()?.messages).toEqual([]);
  });

  it('sends at most one typing signal per conversation every two seconds', () => {
    vi.useFakeTimers();
    mockedSend.mockResolvedValue({ ok: true, data: null });
    notifyTyping('c:typing-a');
    notifyTyping('c:typing-a');
    vi.advanceTimersByTime(TYPING_THROTTLE_MS - 1);
    notifyTyping('c:typing-a');
    notifyTyping('c:typing-b');
    vi.advanceTimersByTime(1);
    notifyTyping('c:typing-a');
    expect(sent()).toEqual([
      { name: 'chat:typing', payload: { conversationId: 'c:typing-a' } },
      { name: 'chat:typing', payload: { conversationId: 'c:typing-b' } },
      { name: 'chat:typing', payload: { conversationId: 'c:typing-a' } },
    ]);
  });

  it('marks read only while the conversation is on screen, once per burst', async () => {
    vi.useFakeTimers();
    mockedSend.mockResolvedValue({ ok: true, data: { conversationId: general.id, seq: 3 } });
    store().receiveMessage(stored(1, 'b-0000001', 'one', bo));
    markRead(general.id);
    expect(general$()?.unread).toBe(1);

    store().setViewing(true);
    markRead(general.id);
    expect(general$()).toMatchObject({ unread: 0, lastReadSeq: 1 });
    store().receiveMessage(stored(2, 'b-0000002', 'two', bo));
    store().receiveMessage(stored(3, 'b-0000003', 'three', bo));
    markRead(general.id);
    expect(mockedSend).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(READ_MARK_DELAY_MS);
    expect(sent()).toEqual([{ name: 'chat:read', payload: { conversationId: general.id, seq: 3 } }]);
  });
  it('stores a sender’s messages in the order written: a send waits for the one before it', async () => {
    let release: (ack: Ack<unknown>) => void = () => {};
    const order: string[] = [];
    mockedSend.mockImplementation(async (_name, payload) => {
      const { clientId, text } = payload as { clientId: string; text: string };
      order.push(text);
      if (text === 'first') {
        return (await new Promise<Ack<unknown>>((resolve) => {
          release = resolve;
        })) as never;
      }
      return { ok: true, data: stored(2, clientId, text) } as never;
    });
    sendMessage(general.id, 'first');
    sendMessage(general.id, 'second');
    await vi.waitFor(() => expect(order).toEqual(['first']));
    const firstId = general$()?.outgoing[0]?.clientId ?? '';
    release({ ok: true, data: stored(1, firstId, 'first') });
    await vi.waitFor(() => expect(order).toEqual(['first', 'second']));
    await vi.waitFor(() => expect(general$()?.messages.map((m) => m.text)).toEqual(['first', 'second']));
  });
  it('keeps the order written when a reconnect sends again: a later message waits behind an unsent one', async () => {
    answer(() => undefined); // the connection is gone: every send times out
    sendMessage(general.id, 'first');
    await vi.waitFor(() => expect(general$()?.outgoing[0]?.status).toBe('failed'));
    const texts: string[] = [];
    answer((name, payload) => {
      if (name !== 'chat:send') return { ok: true, data: { conversationId: general.id, messages: [], hasMore: false } };
      const { clientId, text } = payload as { clientId: string; text: string };
      texts.push(text);
      return { ok: true, data: stored(texts.length, clientId, text) };
    });
    // Sent while the first still waits for the reconnect: it must not overtake it.
    sendMessage(general.id, 'second');
    await vi.waitFor(() => expect(general$()?.outgoing[1]?.status).toBe('failed'));
    expect(texts).toEqual([]);

    store().receiveConversations([general]);
    await resumeChat();
    expect(texts).toEqual(['first', 'second']);
    expect(general$()?.messages.map((m) => m.text)).toEqual(['first', 'second']);
  });

  it('shows an edit and a delete from their answers, and refuses an empty edit without sending it', async () => {
    store().receiveHistory(
      { conversationId: general.id, messages: [stored(1, 'mine-0001', 'helo')], hasMore: false },
      'latest',
    );
    expect(await editMessage(general.id, 1, '   ')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(mockedSend).not.toHaveBeenCalled();

    const edited = { ...stored(1, 'mine-0001', 'hello'), editedAt: 10 };
    const deleted = { ...edited, text: '', deleted: true };
    answer((name) => {
      if (name === 'chat:edit') return { ok: true, data: edited };
      if (name === 'chat:delete') return { ok: true, data: deleted };
      return undefined;
    });
    await editMessage(general.id, 1, ' hello ');
    expect(sent()).toEqual([{ name: 'chat:edit', payload: { conversationId: general.id, seq: 1, text: 'hello' } }]);
    expect(general$()?.messages).toEqual([edited]);
    await deleteMessage(general.id, 1);
    expect(general$()?.messages).toEqual([deleted]);
  });

  it('archives and deletes a channel from their answers', async () => {
    const design = { id: 'c:design', kind: 'channel', name: 'design', lastSeq: 2, unread: 0, lastReadSeq: 0 } as const;
    store().receiveConversations([general, design]);
    store().setActive(design.id);
    answer((name) => {
      if (name === 'chat:archive-channel') return { ok: true, data: { ...design, archived: true } };
      if (name === 'chat:delete-channel') return { ok: true, data: { conversationId: design.id } };
      return undefined;
    });
    await archiveChannel(design.id, true);
    expect(store().conversations?.[design.id]?.info).toMatchObject({ archived: true });
    await deleteChannel(design.id);
    expect(store().conversations?.[design.id]).toBeUndefined();
    expect(store().activeId).toBe(general.id);
  });
});
