import {
  type Ack,
  type AppErrorBody,
  CHAT_LIMITS,
  type ChatMessage,
  type Conversation,
  type ConversationRemoved,
  type ConversationView,
  ErrorCode,
  messageTextSchema,
} from '@huddle/protocol';
import { newClientId } from '../../lib/client-id';
import { serverNow } from '../../lib/server-time';
import { sendCommand } from '../../lib/socket';
import { sameSpaceEpoch, spaceEpoch } from '../../lib/space-epoch';
import { useConnectionStore } from '../../stores/connection-store';
import { contiguousSeq, newestSeq, oldestSeq, useChatStore } from './stores/chat-store';

/** At most one typing signal per conversation this often; the server's signal lasts longer. */
export const TYPING_THROTTLE_MS = 2000;
/** Read marks wait this long so a burst of messages being read sends one. */
export const READ_MARK_DELAY_MS = 500;

const NOT_CONNECTED = 'Not connected — it will be sent once reconnected';

/**
 * Sends a message: it shows at once as pending, then as stored or failed. Returns the reason when
 * the text cannot be sent at all (nothing is queued then).
 */
export function sendMessage(conversationId: string, text: string): string | null {
  const parsed = messageTextSchema.safeParse(text);
  if (!parsed.success) return parsed.error.issues[0]?.message ?? 'This message cannot be sent';
  const { self, conversations, addOutgoing } = useChatStore.getState();
  if (self === null || conversations?.[conversationId] === undefined) return NOT_CONNECTED;
  const clientId = newClientId();
  addOutgoing({ clientId, conversationId, text: parsed.data, author: self, createdAt: serverNow() });
  // The message ends this bout of typing: the next keystroke signals again at once.
  typingSentAt.delete(conversationId);
  void deliver(conversationId, clientId);
  return null;
}

/** Sends a failed message again under its client id, so the server stores it at most once. */
export function retryMessage(conversationId: string, clientId: string): void {
  void deliver(conversationId, clientId, { manual: true });
}

export function discardMessage(conversationId: string, clientId: string): void {
  useChatStore.getState().discardOutgoing(conversationId, clientId);
}

/** Each conversation's sends, one after another: a message is stored after every earlier one. */
const outboxes = new Map<string, Promise<void>>();

/**
 * Queues a message behind the earlier sends of its conversation, so the server stores each sender's
 * messages in the order they were written, also when a reconnect sends several again.
 */
function deliver(conversationId: string, clientId: string, options: { manual?: boolean } = {}): Promise<void> {
  const previous = outboxes.get(conversationId);
  const run = () => attempt(conversationId, clientId, options.manual ?? false);
  // An idle outbox sends at once; a busy one sends after the message before.
  const next = previous ? previous.then(run) : run();
  outboxes.set(conversationId, next);
  void next.finally(() => {
    if (outboxes.get(conversationId) === next) outboxes.delete(conversationId);
  });
  return next;
}

async function attempt(conversationId: string, clientId: string, manual: boolean): Promise<void> {
  const current = sameSpaceEpoch();
  const store = useChatStore.getState();
  const outgoing = store.conversations?.[conversationId]?.outgoing ?? [];
  const index = outgoing.findIndex((m) => m.clientId === clientId);
  const message = outgoing[index];
  if (message === undefined) return;
  const attempt = store.beginAttempt(conversationId, clientId);
  // An earlier message waits to be sent again after a reconnect: this one waits behind it, so the
  // reconnect sends both in the order written. The user's own Retry goes through regardless.
  const waiting = outgoing.slice(0, index).find(resendsOnReconnectAfterFailure);
  if (waiting !== undefined && !manual) {
    if (waiting.error) store.failOutgoing(conversationId, clientId, attempt, waiting.error);
    return;
  }
  const ack = await sendCommand('chat:send', { conversationId, clientId, text: message.text });
  if (!current()) return;
  if (ack.ok) useChatStore.getState().receiveMessage(ack.data);
  else useChatStore.getState().failOutgoing(conversationId, clientId, attempt, sendError(ack.error));
}

function sendError(error: AppErrorBody): AppErrorBody {
  if (error.code === ErrorCode.Timeout && useConnectionStore.getState().phase !== 'connected') {
    return { ...error, message: NOT_CONNECTED };
  }
  return error;
}

/** Whether an outgoing message is sent again by itself after a reconnect. */
function resendsOnReconnect(message: { status: string; error: AppErrorBody | null }): boolean {
  return message.status === 'pending' || message.error?.code === ErrorCode.Timeout;
}

function resendsOnReconnectAfterFailure(message: { status: string; error: AppErrorBody | null }): boolean {
  return message.status === 'failed' && message.error?.code === ErrorCode.Timeout;
}

let resumeRun = 0;

/**
 * After the server has listed the conversations on a (re)connect: fills what was missed in every
 * conversation already shown, loads the active one, then sends again what never got an answer.
 *
 * Catching up reads again every message the tab holds, not only those after it: an edit or delete
 * made while the tab was away then replaces the copy held (the merge keeps the later version). The
 * server keeps no log of changes for this; the cost is one page of 200 per 200 messages held.
 */
export async function resumeChat(): Promise<void> {
  resumeRun += 1;
  const run = resumeRun;
  const inSpace = sameSpaceEpoch();
  const current = () => inSpace() && run === resumeRun;
  const { conversations, activeId } = useChatStore.getState();
  const held = Object.values(conversations ?? {}).filter((c) => c.loaded || c.messages.length > 0);

  const active = activeId === null ? undefined : conversations?.[activeId];
  await Promise.all([
    ...held.map((conversation) => catchUp(conversation.info.id, oldestSeq(conversation) - 1, current)),
    active !== undefined && !active.loaded ? loadLatest(active.info.id) : undefined,
  ]);

  // Each conversation's in the order written, so it reads as it was typed.
  for (const conversation of Object.values(useChatStore.getState().conversations ?? {})) {
    for (const message of conversation.outgoing.filter(resendsOnReconnect)) {
      if (!current()) return;
      await deliver(conversation.info.id, message.clientId);
    }
  }
}

const fillingGaps = new Set<string>();

/** A live message arrived past a gap (its predecessor was lost on the way): fetch what is missing. */
export async function fillGap(conversationId: string): Promise<void> {
  const conversation = useChatStore.getState().conversations?.[conversationId];
  if (conversation === undefined || fillingGaps.has(conversationId)) return;
  if (contiguousSeq(conversation) >= newestSeq(conversation)) return;
  fillingGaps.add(conversationId);
  try {
    await catchUp(conversationId, contiguousSeq(conversation), sameSpaceEpoch());
  } finally {
    fillingGaps.delete(conversationId);
  }
}

/** Pages forward from `after` until the server has nothing newer: no gap, and merging drops duplicates. */
async function catchUp(conversationId: string, after: number, current: () => boolean): Promise<void> {
  let cursor = after;
  for (;;) {
    const ack = await sendCommand('chat:history', {
      conversationId,
      after: cursor,
      limit: CHAT_LIMITS.maxPageSize,
    });
    // A failed catch-up is retried by the next reconnect; the live messages keep coming meanwhile.
    if (!current() || !ack.ok) return;
    useChatStore.getState().receiveHistory(ack.data, 'after');
    // The page's own end, not the newest message held: a live message may already sit past a gap.
    const last = ack.data.messages.at(-1);
    if (!ack.data.hasMore || last === undefined) return;
    cursor = last.seq;
  }
}

export async function loadLatest(conversationId: string): Promise<void> {
  const current = sameSpaceEpoch();
  const store = useChatStore.getState();
  const conversation = store.conversations?.[conversationId];
  if (conversation === undefined || conversation.loadingLatest) return;
  store.startHistory(conversationId, 'latest');
  const ack = await sendCommand('chat:history', { conversationId });
  if (!current()) return;
  if (ack.ok) useChatStore.getState().receiveHistory(ack.data, 'latest');
  else useChatStore.getState().historyFailed(conversationId, 'latest', ack.error.message);
}

export async function loadOlder(conversationId: string): Promise<void> {
  const current = sameSpaceEpoch();
  const store = useChatStore.getState();
  const conversation = store.conversations?.[conversationId];
  const oldest = conversation?.messages[0];
  if (conversation === undefined || oldest === undefined || !conversation.hasOlder || conversation.loadingOlder) {
    return;
  }
  store.startHistory(conversationId, 'older');
  const ack = await sendCommand('chat:history', { conversationId, before: oldest.seq });
  if (!current()) return;
  if (ack.ok) useChatStore.getState().receiveHistory(ack.data, 'older');
  else useChatStore.getState().historyFailed(conversationId, 'older', ack.error.message);
}

/** Shows a conversation, loading its latest messages the first time. */
export function openConversation(conversationId: string): void {
  const store = useChatStore.getState();
  store.setActive(conversationId);
  const conversation = store.conversations?.[conversationId];
  if (conversation !== undefined && !conversation.loaded && !conversation.loadingLatest) {
    void loadLatest(conversationId);
  }
}

/** Creates a channel, or finds the one with that name, and switches to it. */
export async function createChannel(name: string): Promise<Ack<ConversationView>> {
  return adopted(await sendCommand('chat:create-channel', { name }), sameSpaceEpoch());
}

/** Opens the direct conversation with a user, creating it the first time, and switches to it. */
export async function openDirect(userId: string): Promise<Ack<ConversationView>> {
  return adopted(await sendCommand('chat:open-direct', { userId }), sameSpaceEpoch());
}

function adopted(ack: Ack<ConversationView>, current: () => boolean): Ack<ConversationView> {
  if (ack.ok && current()) {
    useChatStore.getState().upsertConversation(ack.data);
    openConversation(ack.data.id);
  }
  return ack;
}

/** Replaces the text of one of this user's messages; the answer (or the announcement) shows it edited. */
export async function editMessage(conversationId: string, seq: number, text: string): Promise<Ack<ChatMessage>> {
  const parsed = messageTextSchema.safeParse(text);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? 'This text cannot be saved';
    return { ok: false, error: { code: ErrorCode.BadRequest, message, field: 'text' } };
  }
  return changed(await sendCommand('chat:edit', { conversationId, seq, text: parsed.data }), sameSpaceEpoch());
}

/** Deletes a message (this user's, or anyone's for an admin): it shows as "message deleted" everywhere. */
export async function deleteMessage(conversationId: string, seq: number): Promise<Ack<ChatMessage>> {
  return changed(await sendCommand('chat:delete', { conversationId, seq }), sameSpaceEpoch());
}

function changed(ack: Ack<ChatMessage>, current: () => boolean): Ack<ChatMessage> {
  if (ack.ok && current()) useChatStore.getState().receiveMessageChange(ack.data);
  return ack;
}

/** Deletes a channel and its messages for everyone (admins). */
export async function deleteChannel(conversationId: string): Promise<Ack<ConversationRemoved>> {
  const current = sameSpaceEpoch();
  const ack = await sendCommand('chat:delete-channel', { conversationId });
  if (ack.ok && current()) useChatStore.getState().removeConversation(ack.data.conversationId);
  return ack;
}

/** Makes a channel read-only for everyone, or writable again (admins). */
export async function archiveChannel(conversationId: string, archived: boolean): Promise<Ack<Conversation>> {
  const current = sameSpaceEpoch();
  const ack = await sendCommand('chat:archive-channel', { conversationId, archived });
  if (ack.ok && current()) useChatStore.getState().upsertConversation(ack.data);
  return ack;
}

const typingSentAt = new Map<string, number>();

/** Tells the others this user is typing; called on every keystroke, sends at most once per throttle. */
export function notifyTyping(conversationId: string): void {
  if (useConnectionStore.getState().phase !== 'connected') return;
  const now = Date.now();
  const last = typingSentAt.get(conversationId);
  if (last !== undefined && now - last < TYPING_THROTTLE_MS) return;
  typingSentAt.set(conversationId, now);
  void sendCommand('chat:typing', { conversationId });
}

const queuedReads = new Map<string, number>();

/**
 * Marks the active conversation read up to its newest message, when it is on screen in a visible
 * tab. The badge clears at once; the server hears of it shortly after, once per burst.
 */
export function markRead(conversationId: string): void {
  const store = useChatStore.getState();
  const conversation = store.conversations?.[conversationId];
  if (conversation === undefined || !store.viewing || store.activeId !== conversationId) return;
  const seq = newestSeq(conversation);
  if (seq <= conversation.lastReadSeq && conversation.unread === 0) return;
  store.applyReadMark({ conversationId, seq });
  if (seq <= conversation.lastReadSeq) return;

  // Keyed by space too: a read queued just before switching spaces must not swallow one in the next.
  const key = `${spaceEpoch()}:${conversationId}`;
  const queued = queuedReads.get(key);
  queuedReads.set(key, Math.max(seq, queued ?? 0));
  if (queued !== undefined) return;
  const current = sameSpaceEpoch();
  setTimeout(() => {
    const latest = queuedReads.get(key) ?? seq;
    queuedReads.delete(key);
    if (!current()) return;
    void sendCommand('chat:read', { conversationId, seq: latest }).then((ack) => {
      if (ack.ok && current()) useChatStore.getState().applyReadMark(ack.data);
    });
  }, READ_MARK_DELAY_MS);
}
