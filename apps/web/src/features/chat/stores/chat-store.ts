import {
  type AppErrorBody,
  applyPresence,
  type ChatHistoryPage,
  type ChatMessage,
  type ChatPresence,
  type ChatReadMark,
  type ChatTyping,
  type Conversation,
  type ConversationView,
  DEFAULT_CHANNEL,
  EMPTY_PRESENCE,
  type PresenceChange,
  type PresenceList,
  type PublicUser,
} from '@huddle/protocol';
import { create } from 'zustand';

export type OutgoingStatus = 'pending' | 'failed';

/** A message written here that the server has not acknowledged yet. */
export interface OutgoingMessage {
  clientId: string;
  conversationId: string;
  text: string;
  author: PublicUser;
  /** Estimated server time when it was written, so it sorts and groups like a stored message. */
  createdAt: number;
  status: OutgoingStatus;
  error: AppErrorBody | null;
  /** Counts send attempts: the late answer to an abandoned attempt must not overwrite a newer one. */
  attempt: number;
}

export interface TypingEntry {
  user: PublicUser;
  /** Server time. */
  expiresAt: number;
}

export interface ConversationState {
  info: Conversation;
  /** Stored messages, ascending by seq, each seq once. */
  messages: ChatMessage[];
  /** Pending and failed messages, in the order they were written. */
  outgoing: OutgoingMessage[];
  /** The latest page has been loaded: an empty `messages` then means an empty conversation. */
  loaded: boolean;
  loadingLatest: boolean;
  loadingOlder: boolean;
  hasOlder: boolean;
  /** Why the last history request failed, for the user. */
  historyError: string | null;
  unread: number;
  lastReadSeq: number;
  typing: TypingEntry[];
}

export interface PresenceNotice {
  id: string;
  kind: PresenceChange;
  user: PublicUser;
  /** Server time. */
  at: number;
}

export type HistoryDirection = 'latest' | 'older' | 'after';

/** Join/leave notices kept for the general log; older ones scroll out of memory. */
export const MAX_NOTICES = 200;

interface ChatStoreState {
  self: PublicUser | null;
  /** Null until the server has listed this user's conversations. */
  conversations: Record<string, ConversationState> | null;
  activeId: string | null;
  /** The active conversation is on screen in a visible tab: its new messages are read, not unread. */
  viewing: boolean;
  /** Who is here, as the server's snapshot and the changes since left it. */
  presence: PresenceList;
  /** `presence.users`: everyone with a tab open in the space, by name. */
  users: PublicUser[];
  notices: PresenceNotice[];
  drafts: Record<string, string>;

  setSelf: (user: PublicUser) => void;
  receiveConversations: (views: readonly ConversationView[]) => void;
  upsertConversation: (conversation: Conversation | ConversationView) => void;
  setActive: (conversationId: string) => void;
  setViewing: (viewing: boolean) => void;
  receiveMessage: (message: ChatMessage) => void;
  /** A held message was edited or deleted (a message not held is read fresh when it is loaded). */
  receiveMessageChange: (message: ChatMessage) => void;
  /** A conversation was deleted: it goes, and the general channel shows if it was on screen. */
  removeConversation: (conversationId: string) => void;
  startHistory: (conversationId: string, direction: HistoryDirection) => void;
  receiveHistory: (page: ChatHistoryPage, direction: HistoryDirection) => void;
  historyFailed: (conversationId: string, direction: HistoryDirection, message: string) => void;
  addOutgoing: (message: Omit<OutgoingMessage, 'status' | 'error' | 'attempt'>) => void;
  /** Marks an outgoing message pending again and returns the number of this attempt (0 if it is gone). */
  beginAttempt: (conversationId: string, clientId: string) => number;
  failOutgoing: (conversationId: string, clientId: string, attempt: number, error: AppErrorBody) => void;
  discardOutgoing: (conversationId: string, clientId: string) => void;
  receiveTyping: (typing: ChatTyping) => void;
  applyReadMark: (mark: ChatReadMark) => void;
  receivePresence: (presence: ChatPresence) => void;
  setDraft: (conversationId: string, text: string) => void;
  clear: () => void;
}

/** What belongs to one space; `viewing` is about the screen, so it outlives a space change. */
const EMPTY = {
  self: null,
  conversations: null,
  activeId: null,
  presence: EMPTY_PRESENCE,
  users: [],
  notices: [],
  drafts: {},
} satisfies Partial<ChatStoreState>;

export const useChatStore = create<ChatStoreState>()((set, get) => {
  /** Applies `change` to one known conversation; events about unknown ones change nothing. */
  function update(conversationId: string, change: (conversation: ConversationState) => ConversationState): void {
    set((state) => {
      const conversation = state.conversations?.[conversationId];
      if (state.conversations === null || conversation === undefined) return state;
      const next = change(conversation);
      if (next === conversation) return state;
      return { conversations: { ...state.conversations, [conversationId]: next } };
    });
  }

  function isViewed(conversationId: string): boolean {
    const { activeId, viewing } = get();
    return viewing && activeId === conversationId;
  }

  return {
    viewing: false,
    ...EMPTY,

    setSelf: (self) => set({ self }),

    receiveConversations: (views) =>
      set((state) => {
        const conversations: Record<string, ConversationState> = {};
        for (const view of views) {
          const held = state.conversations?.[view.id];
          // The server's unread count and read position are the truth after a (re)connect.
          conversations[view.id] = held
            ? {
                ...held,
                info: { ...stripView(view), lastSeq: Math.max(view.lastSeq, held.info.lastSeq) },
                unread: view.unread,
                lastReadSeq: view.lastReadSeq,
              }
            : newConversation(view);
        }
        const activeId =
          state.activeId !== null && conversations[state.activeId] ? state.activeId : defaultConversationId(views);
        return { conversations, activeId };
      }),

    upsertConversation: (conversation) =>
      set((state) => {
        if (state.conversations === null) return state;
        const held = state.conversations[conversation.id];
        const next: ConversationState = held
          ? {
              ...held,
              info: { ...stripView(conversation), lastSeq: Math.max(conversation.lastSeq, held.info.lastSeq) },
            }
          : newConversation(conversation);
        return { conversations: { ...state.conversations, [conversation.id]: next } };
      }),

    setActive: (activeId) => set((state) => (state.conversations?.[activeId] ? { activeId } : state)),

    setViewing: (viewing) => set({ viewing }),

    receiveMessage: (message) => {
      const { self } = get();
      const viewed = isViewed(message.conversationId);
      update(message.conversationId, (conversation) => mergeMessages(conversation, [message], self, viewed));
    },

    receiveMessageChange: (message) =>
      update(message.conversationId, (conversation) => replaceChanged(conversation, [message])),

    removeConversation: (conversationId) =>
      set((state) => {
        if (state.conversations?.[conversationId] === undefined) return state;
        const { [conversationId]: _removed, ...conversations } = state.conversations;
        const { [conversationId]: _draft, ...drafts } = state.drafts;
        const activeId =
          state.activeId === conversationId
            ? defaultConversationId(Object.values(conversations).map((c) => c.info))
            : state.activeId;
        return { conversations, drafts, activeId };
      }),

    startHistory: (conversationId, direction) =>
      update(conversationId, (conversation) => ({
        ...conversation,
        historyError: null,
        ...(direction === 'latest' ? { loadingLatest: true } : {}),
        ...(direction === 'older' ? { loadingOlder: true } : {}),
      })),

    receiveHistory: (page, direction) => {
      const { self } = get();
      const viewed = isViewed(page.conversationId);
      update(page.conversationId, (conversation) => {
        const merged = mergeMessages(conversation, page.messages, self, viewed);
        switch (direction) {
          case 'latest':
            return { ...merged, loaded: true, loadingLatest: false, hasOlder: page.hasMore };
          case 'older':
            return { ...merged, loadingOlder: false, hasOlder: page.hasMore };
          case 'after':
            return merged;
        }
      });
    },

    historyFailed: (conversationId, direction, message) =>
      update(conversationId, (conversation) => ({
        ...conversation,
        historyError: message,
        ...(direction === 'latest' ? { loadingLatest: false } : {}),
        ...(direction === 'older' ? { loadingOlder: false } : {}),
      })),

    addOutgoing: (message) =>
      update(message.conversationId, (conversation) => ({
        ...conversation,
        outgoing: [...conversation.outgoing, { ...message, status: 'pending', error: null, attempt: 0 }],
      })),

    beginAttempt: (conversationId, clientId) => {
      let attempt = 0;
      update(conversationId, (conversation) => {
        const outgoing = conversation.outgoing.map((message) => {
          if (message.clientId !== clientId) return message;
          attempt = message.attempt + 1;
          return { ...message, status: 'pending' as const, error: null, attempt };
        });
        return attempt === 0 ? conversation : { ...conversation, outgoing };
      });
      return attempt;
    },

    failOutgoing: (conversationId, clientId, attempt, error) =>
      update(conversationId, (conversation) => {
        const target = conversation.outgoing.find((m) => m.clientId === clientId);
        if (target === undefined || target.attempt !== attempt) return conversation;
        return {
          ...conversation,
          outgoing: conversation.outgoing.map((m) => (m === target ? { ...m, status: 'failed' as const, error } : m)),
        };
      }),

    discardOutgoing: (conversationId, clientId) =>
      update(conversationId, (conversation) => ({
        ...conversation,
        outgoing: conversation.outgoing.filter((m) => m.clientId !== clientId),
      })),

    receiveTyping: ({ conversationId, user, expiresAt }) => {
      if (user.id === get().self?.id) return;
      update(conversationId, (conversation) => ({
        ...conversation,
        typing: [...conversation.typing.filter((t) => t.user.id !== user.id), { user, expiresAt }],
      }));
    },

    applyReadMark: ({ conversationId, seq }) => {
      const { self } = get();
      update(conversationId, (conversation) => {
        if (seq <= conversation.lastReadSeq && conversation.unread === 0) return conversation;
        const lastReadSeq = Math.max(conversation.lastReadSeq, seq);
        return { ...conversation, lastReadSeq, unread: unreadAfterRead(conversation, lastReadSeq, self) };
      });
    },

    receivePresence: (event) =>
      set((state) => {
        const presence = applyPresence(state.presence, event);
        const users = presence.users;
        if (!('changes' in event)) return { presence, users };
        // Each change once (a batch may be delivered again after a reconnect), in time order.
        const seen = new Set(state.notices.map((notice) => notice.id));
        const fresh: PresenceNotice[] = [];
        for (const change of event.changes) {
          const id = `${change.kind}:${change.user.id}:${change.at}`;
          if (seen.has(id)) continue;
          seen.add(id);
          fresh.push({ id, ...change });
        }
        if (fresh.length === 0) return { presence, users };
        const notices = [...state.notices, ...fresh].sort((a, b) => a.at - b.at).slice(-MAX_NOTICES);
        return { presence, users, notices };
      }),

    setDraft: (conversationId, text) => set((state) => ({ drafts: { ...state.drafts, [conversationId]: text } })),

    clear: () => set(EMPTY),
  };
});

function stripView(conversation: Conversation | ConversationView): Conversation {
  if (conversation.kind === 'channel') {
    const { id, kind, name, lastSeq, archived } = conversation;
    return { id, kind, name, lastSeq, archived: archived ?? false };
  }
  const { id, kind, peer, lastSeq } = conversation;
  return { id, kind, peer, lastSeq };
}

function newConversation(conversation: Conversation | ConversationView): ConversationState {
  return {
    info: stripView(conversation),
    messages: [],
    outgoing: [],
    loaded: false,
    loadingLatest: false,
    loadingOlder: false,
    hasOlder: false,
    historyError: null,
    unread: 'unread' in conversation ? conversation.unread : 0,
    lastReadSeq: 'lastReadSeq' in conversation ? conversation.lastReadSeq : 0,
    typing: [],
  };
}

/** The general channel when listed (the server always lists it), else the first conversation. */
function defaultConversationId(views: readonly Conversation[]): string | null {
  const general = views.find((view) => view.kind === 'channel' && view.name === DEFAULT_CHANNEL);
  return (general ?? views[0])?.id ?? null;
}

/**
 * Takes in messages from any source (broadcast, send ack, any history page) in any order. Each seq is
 * kept once, in its latest version (edited, deleted); a stored message replaces the pending one with
 * its client id; its author stops typing.
 * A message from someone else counts as unread the first time it moves `lastSeq` forward, so the
 * broadcast and a catch-up page of the same message count it once, and messages the server already
 * counted in its `unread` (at or below the `lastSeq` it listed) are not counted again.
 */
export function mergeMessages(
  held: ConversationState,
  incoming: readonly ChatMessage[],
  self: PublicUser | null,
  viewed: boolean,
): ConversationState {
  if (incoming.length === 0) return held;
  const conversation = replaceChanged(held, incoming);
  const heldSeqs = new Set(conversation.messages.map((m) => m.seq));
  const fresh = incoming.filter((m) => !heldSeqs.has(m.seq) && m.conversationId === conversation.info.id);
  if (fresh.length === 0) return conversation;

  const newestHeld = conversation.messages.at(-1)?.seq ?? 0;
  const sorted = [...fresh].sort((a, b) => a.seq - b.seq);
  const unique = sorted.filter((m, index) => index === 0 || sorted[index - 1]?.seq !== m.seq);
  const messages =
    unique[0] !== undefined && unique[0].seq > newestHeld
      ? [...conversation.messages, ...unique]
      : [...conversation.messages, ...unique].sort((a, b) => a.seq - b.seq);

  const isMine = (m: ChatMessage) => self !== null && m.author.id === self.id;
  const stored = new Set(unique.filter(isMine).map((m) => m.clientId));
  const authors = new Set(unique.map((m) => m.author.id));

  let { lastSeq } = conversation.info;
  let { unread } = conversation;
  for (const message of unique) {
    if (message.seq <= lastSeq) continue;
    lastSeq = message.seq;
    if (!viewed && !isMine(message) && message.seq > conversation.lastReadSeq) unread += 1;
  }

  return {
    ...conversation,
    info: { ...conversation.info, lastSeq },
    messages,
    outgoing: stored.size === 0 ? conversation.outgoing : conversation.outgoing.filter((m) => !stored.has(m.clientId)),
    typing: conversation.typing.filter((t) => !authors.has(t.user.id)),
    unread,
  };
}

/**
 * A message only ever moves forward: edited (later edits later), then deleted for good. Copies of one
 * message arrive in any order (a catch-up page asked before an edit may land after its announcement),
 * so a held copy is replaced only by a later version of it.
 */
function isLaterVersion(incoming: ChatMessage, held: ChatMessage): boolean {
  if (held.deleted) return false;
  if (incoming.deleted) return true;
  return (incoming.editedAt ?? 0) > (held.editedAt ?? 0);
}

/** Replaces held messages by the later versions among `incoming`; messages not held are left out. */
function replaceChanged(conversation: ConversationState, incoming: readonly ChatMessage[]): ConversationState {
  const later = new Map<number, ChatMessage>();
  const bySeq = new Map(conversation.messages.map((m) => [m.seq, m]));
  for (const message of incoming) {
    const held = later.get(message.seq) ?? bySeq.get(message.seq);
    if (message.conversationId !== conversation.info.id || held === undefined) continue;
    if (isLaterVersion(message, held)) later.set(message.seq, message);
  }
  if (later.size === 0) return conversation;
  return { ...conversation, messages: conversation.messages.map((m) => later.get(m.seq) ?? m) };
}

/**
 * Unread count once everything up to `readSeq` is read: held messages from others after it, plus
 * every seq after it not held here (it may be anyone's), never more than before.
 */
export function unreadAfterRead(conversation: ConversationState, readSeq: number, self: PublicUser | null): number {
  const { lastSeq } = conversation.info;
  if (readSeq >= lastSeq) return 0;
  const after = conversation.messages.filter((m) => m.seq > readSeq && m.seq <= lastSeq);
  const fromOthers = after.filter((m) => m.author.id !== self?.id).length;
  const unknown = lastSeq - readSeq - after.length;
  return Math.min(conversation.unread, fromOthers + unknown);
}

/** Who is typing in a conversation at `serverNow`, by name. */
export function typingUsersAt(typing: readonly TypingEntry[], serverNow: number): PublicUser[] {
  return typing
    .filter((entry) => entry.expiresAt > serverNow)
    .map((entry) => entry.user)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The next moment an entry expires after `serverNow`, or null when none will. */
export function nextTypingExpiry(typing: readonly TypingEntry[], serverNow: number): number | null {
  const upcoming = typing.map((entry) => entry.expiresAt).filter((at) => at > serverNow);
  return upcoming.length === 0 ? null : Math.min(...upcoming);
}

/** The oldest seq held, or 1 (the first there can be) when none is. */
export function oldestSeq(conversation: ConversationState): number {
  return conversation.messages[0]?.seq ?? 1;
}

export function newestSeq(conversation: ConversationState): number {
  return conversation.messages.at(-1)?.seq ?? 0;
}

/**
 * The seq up to which every message from the oldest held one on is held. Seqs have no gaps on the
 * server, so a live message past this point means one was missed: catch up from here, not from the newest.
 */
export function contiguousSeq(conversation: ConversationState): number {
  const [first, ...rest] = conversation.messages;
  if (first === undefined) return 0;
  let seq = first.seq;
  for (const message of rest) {
    if (message.seq !== seq + 1) break;
    seq = message.seq;
  }
  return seq;
}

export function selectChannels(state: Pick<ChatStoreState, 'conversations'>): ConversationState[] {
  return Object.values(state.conversations ?? {})
    .filter((c) => c.info.kind === 'channel')
    .sort((a, b) => conversationSortName(a.info).localeCompare(conversationSortName(b.info)));
}

export function selectDirects(state: Pick<ChatStoreState, 'conversations'>): ConversationState[] {
  return Object.values(state.conversations ?? {})
    .filter((c) => c.info.kind === 'direct')
    .sort((a, b) => conversationSortName(a.info).localeCompare(conversationSortName(b.info)));
}

function conversationSortName(info: Conversation): string {
  return info.kind === 'channel' ? info.name : info.peer.name;
}
