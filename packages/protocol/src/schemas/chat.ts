import { z } from 'zod';
import { publicUserSchema } from './common.js';

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

/** One message of a conversation, by its sequence number. */
export const chatMessageRefSchema = z.strictObject({ conversationId: conversationIdSchema, seq: seqSchema });

export const chatEditSchema = z.strictObject({
  conversationId: conversationIdSchema,
  seq: seqSchema,
  text: messageTextSchema,
});

export const chatChannelRefSchema = z.strictObject({ conversationId: conversationIdSchema });

export const chatArchiveSchema = z.strictObject({ conversationId: conversationIdSchema, archived: z.boolean() });

export type ChatSendPayload = z.input<typeof chatSendSchema>;
export type ChatHistoryQuery = z.input<typeof chatHistorySchema>;

const channelConversationSchema = z.object({
  id: z.string(),
  kind: z.literal('channel'),
  name: z.string(),
  lastSeq: seqSchema,
  /** Read-only: history stays, nobody can post. */
  archived: z.boolean().optional(),
});
const directConversationSchema = z.object({
  id: z.string(),
  kind: z.literal('direct'),
  peer: publicUserSchema,
  lastSeq: seqSchema,
});
export const conversationSchema = z.discriminatedUnion('kind', [channelConversationSchema, directConversationSchema]);
export type Conversation = z.infer<typeof conversationSchema>;

/** A conversation as one user sees it: with their unread count and read position. */
export const conversationViewSchema = z.intersection(
  conversationSchema,
  z.object({ unread: z.number().int().min(0), lastReadSeq: seqSchema }),
);
export type ConversationView = z.infer<typeof conversationViewSchema>;

export const chatMessageSchema = z.object({
  conversationId: z.string(),
  seq: seqSchema,
  clientId: z.string(),
  author: publicUserSchema,
  text: z.string().meta({ description: 'Empty when the message was deleted.' }),
  sentAt: z.number().int(),
  /** Server time of the last edit, when it was edited. */
  editedAt: z.number().int().optional(),
  /** The message was deleted: shown as "message deleted", its text is gone. */
  deleted: z.boolean().optional(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const chatHistoryPageSchema = z.object({
  conversationId: z.string(),
  messages: z.array(chatMessageSchema).meta({ description: 'Ascending by seq.' }),
  hasMore: z.boolean().meta({ description: 'More messages exist beyond this page in the direction asked.' }),
});
export type ChatHistoryPage = z.infer<typeof chatHistoryPageSchema>;

export const chatConversationListSchema = z.object({ conversations: z.array(conversationViewSchema) });
export type ChatConversationList = z.infer<typeof chatConversationListSchema>;

export const presenceChangeSchema = z.enum(['joined', 'left']);
export type PresenceChange = z.infer<typeof presenceChangeSchema>;

/** A user's first tab arrived in the space, or their last tab closed. */
export const presenceEventSchema = z.object({
  kind: presenceChangeSchema,
  user: publicUserSchema,
  at: z.number().int().meta({ description: 'Server time of the change.' }),
});
export type PresenceEvent = z.infer<typeof presenceEventSchema>;

/**
 * Who is in the space. A connecting socket gets the whole list once (`users`, true at server time
 * `at`); after that the space gets only what changed, in order, a few batches a second at most
 * (`changes`). Clients apply the changes to their list with `applyPresence`. Sending only the change
 * keeps a space's arrival storm at O(N²) bytes; the whole list with every change was O(N³).
 */
export const chatPresenceSchema = z
  .union([
    z.object({ users: z.array(publicUserSchema), at: z.number().int() }),
    z.object({ changes: z.array(presenceEventSchema) }),
  ])
  .meta({
    description:
      'The whole list once on connect (`users`, true at server time `at`), then only changes, in order. A change older than the list’s `at`, or than the latest change of that user, is stale (batches from different nodes can arrive out of order).',
  });
export type ChatPresence = z.infer<typeof chatPresenceSchema>;

export const chatTypingEventSchema = z.object({
  conversationId: z.string(),
  user: publicUserSchema,
  expiresAt: z.number().int().meta({ description: 'Server time after which the indicator goes away unless repeated.' }),
});
export type ChatTyping = z.infer<typeof chatTypingEventSchema>;

export const conversationRemovedSchema = z.object({ conversationId: z.string() });
export type ConversationRemoved = z.infer<typeof conversationRemovedSchema>;

export const chatReadMarkSchema = z.object({ conversationId: z.string(), seq: seqSchema });
export type ChatReadMark = z.infer<typeof chatReadMarkSchema>;
