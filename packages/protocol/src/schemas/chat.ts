import { z } from 'zod';
import type { PublicUser } from './common.js';

export const CHAT_LIMITS = {
  /** Characters (code points) of one message, after trimming. */
  maxMessageChars: 2000,
  /** Messages per history page when the client does not ask for another size. */
  pageSize: 50,
  maxPageSize: 200,
  maxChannelsPerSpace: 100,
  /** How long a "typing" signal lasts unless it is repeated. */
  typingTtlMs: 5000,
  /** Per-user send rate: a burst of this many messages… */
  sendBurst: 5,
  /** …then this many per second. */
  sendPerSecond: 2,
} as const;

export const DEFAULT_CHANNEL = 'general';

export const channelNameSchema = z
  .string()
  .max(200, 'A channel name is at most 32 characters')
  .transform((s) => s.trim().replace(/^#/, '').toLowerCase().replace(/\s+/g, '-'))
  .pipe(
    z
      .string()
      .min(1, 'Name the channel')
      .max(32, 'A channel name is at most 32 characters')
      .regex(/^[a-z0-9][a-z0-9_-]*$/, 'Use lowercase letters, digits, dashes and underscores'),
  );

/** Opaque to clients: `c:<channel>` for a channel, `dm:<userId>:<userId>` for a direct conversation. */
export const conversationIdSchema = z.string().min(1, 'Choose a conversation').max(100, 'Unknown conversation');

/** Client-generated id of a message: a retry carries the same one, so it is stored once. */
export const clientMessageIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'A client message id is 8–64 letters, digits, dashes or underscores');

// Control characters other than newline and tab, and bidi overrides, would let a message hide or reorder text.
const FORBIDDEN_CONTROL = /(?![\n\t])\p{Cc}|[\u202A-\u202E\u2066-\u2069]/u;

export const messageTextSchema = z
  .string()
  .max(CHAT_LIMITS.maxMessageChars * 4, `A message is at most ${CHAT_LIMITS.maxMessageChars} characters`)
  .transform((s) => s.replace(/\r\n?/g, '\n').trim())
  .pipe(
    z
      .string()
      .min(1, 'Write something first')
      .refine(
        (s) => [...s].length <= CHAT_LIMITS.maxMessageChars,
        `A message is at most ${CHAT_LIMITS.maxMessageChars} characters`,
      )
      .refine((s) => !FORBIDDEN_CONTROL.test(s), 'A message cannot contain control characters'),
  );

/** A message sequence number: server-assigned, increasing within a conversation, starting at 1. */
const seqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const chatSendSchema = z.strictObject({
  conversationId: conversationIdSchema,
  clientId: clientMessageIdSchema,
  text: messageTextSchema,
});

export const chatHistorySchema = z
  .strictObject({
    conversationId: conversationIdSchema,
    /** Older page: messages with seq below this, newest first up to `limit`, returned in ascending order. */
    before: seqSchema.optional(),
    /** Catch-up: messages with seq above this, oldest first up to `limit`. */
    after: seqSchema.optional(),
    limit: z.number().int().min(1).max(CHAT_LIMITS.maxPageSize).optional(),
  })
  .refine((p) => p.before === undefined || p.after === undefined, {
    message: 'Ask for messages before or after a point, not both',
    path: ['after'],
  });

export const chatCreateChannelSchema = z.strictObject({ name: channelNameSchema });

export const chatOpenDirectSchema = z.strictObject({ userId: z.string().min(1).max(100) });

export const chatTypingSchema = z.strictObject({ conversationId: conversationIdSchema });

export const chatReadSchema = z.strictObject({ conversationId: conversationIdSchema, seq: seqSchema });

export type ChatSendPayload = z.input<typeof chatSendSchema>;
export type ChatHistoryQuery = z.input<typeof chatHistorySchema>;

export type Conversation =
  | { id: string; kind: 'channel'; name: string; lastSeq: number }
  | { id: string; kind: 'direct'; peer: PublicUser; lastSeq: number };

/** A conversation as one user sees it: with their unread count and read position. */
export type ConversationView = Conversation & { unread: number; lastReadSeq: number };

export interface ChatMessage {
  conversationId: string;
  seq: number;
  clientId: string;
  author: PublicUser;
  text: string;
  sentAt: number;
}

export interface ChatHistoryPage {
  conversationId: string;
  messages: ChatMessage[];
  /** More messages exist beyond this page in the direction asked. */
  hasMore: boolean;
}

export interface ChatConversationList {
  conversations: ConversationView[];
}

export type PresenceChange = 'joined' | 'left';

/** A user's first tab arrived in the space, or their last tab closed. */
export interface PresenceEvent {
  kind: PresenceChange;
  user: PublicUser;
  /** Server time of the change. */
  at: number;
}

/**
 * Who is in the space. A connecting socket gets the whole list once (`users`, true at server time
 * `at`); after that the space gets only what changed, in order, a few batches a second at most
 * (`changes`). Clients apply the changes to their list with `applyPresence`. Sending only the change
 * keeps a space's arrival storm at O(N²) bytes; the whole list with every change was O(N³).
 */
export type ChatPresence = { users: PublicUser[]; at: number } | { changes: PresenceEvent[] };

export interface ChatTyping {
  conversationId: string;
  user: PublicUser;
  /** Server time after which the indicator goes away unless repeated. */
  expiresAt: number;
}

export interface ChatReadMark {
  conversationId: string;
  seq: number;
}
