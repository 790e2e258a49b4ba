import {
  CHAT_LIMITS,
  type ChatHistoryPage,
  type ChatMessage,
  type ChatReadMark,
  type ChatTyping,
  type Conversation,
  type ConversationView,
  type chatHistorySchema,
  type chatSendSchema,
  DEFAULT_CHANNEL,
  ErrorCode,
  type PublicUser,
  permits,
  type Role,
} from '@huddle/protocol';
import type { z } from 'zod';
import type { Clock } from '../../clock.js';
import { AppError, rateLimited } from '../../errors.js';
import { nameKey } from '../../lib/name-key.js';
import { memoryRateLimiters, type Rate, type RateLimiters } from '../../lib/token-bucket.js';
import type { Actor } from '../../session/session.service.js';
import { type ChatStore, channelId, type StoredConversation } from './chat.store.js';

/** Who receives the events of a conversation: the whole space, or the two members of a direct one. */
export type Audience = { kind: 'space' } | { kind: 'users'; userIds: [string, string] };

export interface ChatServiceDeps {
  store: ChatStore;
  clock: Clock;
  /** Looks a user up by id; a direct conversation needs a peer from the same space. */
  findUser(id: string): Promise<(PublicUser & { space: string }) | null>;
  sendRate?: Rate;
  /** Where limits are kept; defaults to this process. */
  rateLimiters?: RateLimiters;
}

const TYPING_RATE = { burst: 3, perSecond: 1 };

function audienceOf(conversation: StoredConversation): Audience {
  return conversation.kind === 'channel'
    ? { kind: 'space' }
    : { kind: 'users', userIds: [conversation.members[0].id, conversation.members[1].id] };
}

/** A conversation as `viewerId` sees it: a direct one is named after the other member. */
export function conversationFor(conversation: StoredConversation, viewerId: string): Conversation {
  if (conversation.kind === 'channel') return conversation;
  const [a, b] = conversation.members;
  return { id: conversation.id, kind: 'direct', peer: a.id === viewerId ? b : a, lastSeq: conversation.lastSeq };
}

const notFound = () => new AppError(ErrorCode.NotFound, 'No such conversation', 'conversationId');
const messageNotFound = () => new AppError(ErrorCode.NotFound, 'No such message', 'seq');
const archivedChannel = () => new AppError(ErrorCode.Conflict, 'This channel is archived', 'conversationId');

const isArchived = (conversation: StoredConversation) => conversation.kind === 'channel' && conversation.archived;

/** A channel other than #general: the only conversations that may be deleted or archived. */
function managedChannel(conversation: StoredConversation): StoredConversation {
  if (conversation.kind !== 'channel') {
    throw new AppError(ErrorCode.BadRequest, 'Only channels can be deleted or archived', 'conversationId');
  }
  if (conversation.name === DEFAULT_CHANNEL) {
    throw new AppError(ErrorCode.Conflict, `#${DEFAULT_CHANNEL} cannot be deleted or archived`, 'conversationId');
  }
  return conversation;
}

export function createChatService({ store, clock, findUser, sendRate, rateLimiters }: ChatServiceDeps) {
  const limiter = rateLimiters ?? memoryRateLimiters(clock.now);
  const sends = limiter('chat-send', {
    burst: sendRate?.burst ?? CHAT_LIMITS.sendBurst,
    perSecond: sendRate?.perSecond ?? CHAT_LIMITS.sendPerSecond,
  });
  const typings = limiter('chat-typing', TYPING_RATE);

  /** The conversation if `actor` may read it. Someone else's direct conversation is not found, not forbidden: its existence is private too. */
  function readableBy(actor: Actor, conversation: StoredConversation | null | undefined): StoredConversation {
    if (!conversation) throw notFound();
    if (conversation.kind === 'direct' && !conversation.members.some((m) => m.id === actor.user.id)) throw notFound();
    return conversation;
  }

  const readable = async (actor: Actor, conversationId: string) =>
    readableBy(actor, await store.get(actor.space, conversationId));

  const view = (conversation: StoredConversation, viewerId: string, unread = 0, lastReadSeq = 0): ConversationView => ({
    ...conversationFor(conversation, viewerId),
    unread,
    lastReadSeq,
  });

  return {
    /** Every conversation the user can see (#general is there from the space's creation on: it only reads). */
    async conversations(actor: Actor): Promise<ConversationView[]> {
      const rows = await store.listFor(actor.space, actor.user.id);
      return rows.map((r) => view(r.conversation, actor.user.id, r.unread, r.lastReadSeq));
    },

    async createChannel(actor: Actor, name: string) {
      const existing = await store.get(actor.space, channelId(name));
      if (existing) return { view: view(existing, actor.user.id), conversation: existing, created: false };
      const names = await store.channelNames(actor.space);
      // A channel is named to be found: "#genera1" beside "#general" would only mislead.
      const lookalike = names.find((n) => nameKey(n) === nameKey(name));
      if (lookalike !== undefined) {
        throw new AppError(ErrorCode.NameTaken, `#${lookalike} looks the same: choose another name`, 'name');
      }
      if (names.length >= CHAT_LIMITS.maxChannelsPerSpace) {
        throw new AppError(
          ErrorCode.Conflict,
          `A space holds at most ${CHAT_LIMITS.maxChannelsPerSpace} channels`,
          'name',
        );
      }
      const { conversation, created } = await store.ensureChannel(actor.space, name, clock.now());
      return { view: view(conversation, actor.user.id), conversation, created };
    },

    async openDirect(actor: Actor, peerId: string) {
      if (peerId === actor.user.id) {
        throw new AppError(ErrorCode.BadRequest, 'A direct conversation needs someone else', 'userId');
      }
      const peer = await findUser(peerId);
      if (!peer || peer.space !== actor.space) {
        throw new AppError(ErrorCode.NotFound, 'Nobody with that id is in this space', 'userId');
      }
      const { conversation, created } = await store.ensureDirect(actor.space, actor.user.id, peer.id, clock.now());
      return { view: view(conversation, actor.user.id), conversation, created, peerId: peer.id };
    },

    /** Stores a message from the actor (the payload never names the author). */
    async send(
      actor: Actor,
      payload: z.output<typeof chatSendSchema>,
    ): Promise<{ message: ChatMessage; duplicate: boolean; audience: Audience }> {
      const found = await store.getWithSent(actor.space, payload.conversationId, actor.user.id, payload.clientId);
      const conversation = readableBy(actor, found?.conversation);
      // A retry of a stored message (its ack was lost) is answered, not counted against the limit.
      if (found?.sent) return { message: found.sent, duplicate: true, audience: audienceOf(conversation) };
      if (isArchived(conversation)) throw archivedChannel();
      const allowed = await sends.take(actor.user.id);
      if (!allowed.ok) throw rateLimited('You are sending messages too fast', allowed.retryAfterMs);
      const stored = await store.append(actor.space, conversation.id, {
        author: actor.user,
        clientId: payload.clientId,
        text: payload.text,
        now: clock.now(),
      });
      return { ...stored, audience: audienceOf(conversation) };
    },

    async history(actor: Actor, query: z.output<typeof chatHistorySchema>): Promise<ChatHistoryPage> {
      const conversation = await readable(actor, query.conversationId);
      const page = await store.page(actor.space, conversation.id, {
        before: query.before,
        after: query.after,
        limit: query.limit ?? CHAT_LIMITS.pageSize,
      });
      return { conversationId: conversation.id, ...page };
    },

    /** A typing signal for the other members, or null when this user signals too often to pass on. */
    async typing(actor: Actor, conversationId: string): Promise<{ typing: ChatTyping; audience: Audience } | null> {
      const conversation = await readable(actor, conversationId);
      if (!(await typings.take(actor.user.id)).ok) return null;
      return {
        typing: {
          conversationId: conversation.id,
          user: actor.user,
          expiresAt: clock.now() + CHAT_LIMITS.typingTtlMs,
        },
        audience: audienceOf(conversation),
      };
    },

    /** Replaces the text of one of the actor's own messages; an unchanged text changes nothing. */
    async edit(
      actor: Actor,
      { conversationId, seq, text }: { conversationId: string; seq: number; text: string },
    ): Promise<{ message: ChatMessage; audience: Audience }> {
      const conversation = await readable(actor, conversationId);
      if (isArchived(conversation)) throw archivedChannel();
      const held = await store.message(actor.space, conversation.id, seq);
      if (!held) throw messageNotFound();
      if (held.author.id !== actor.user.id) {
        throw new AppError(ErrorCode.Forbidden, 'You can only edit your own messages', 'seq');
      }
      const deleted = () => new AppError(ErrorCode.Conflict, 'This message was deleted', 'seq');
      if (held.deleted) throw deleted();
      const audience = audienceOf(conversation);
      if (held.text === text) return { message: held, audience };
      const edited = await store.edit(actor.space, conversation.id, seq, {
        authorId: actor.user.id,
        text,
        now: clock.now(),
      });
      // The only way it stopped matching since the read: it was deleted in between.
      if (!edited) throw deleted();
      return { message: edited, audience };
    },

    /** Deletes a message: the actor's own, or anyone's for an admin or the owner. Deleting again is a no-op. */
    async deleteMessage(
      actor: Actor & { role: Role },
      conversationId: string,
      seq: number,
    ): Promise<{ message: ChatMessage; audience: Audience }> {
      const conversation = await readable(actor, conversationId);
      const held = await store.message(actor.space, conversation.id, seq);
      if (!held) throw messageNotFound();
      if (held.author.id !== actor.user.id && !permits(actor.role, 'admin', false)) {
        throw new AppError(ErrorCode.Forbidden, "Only an admin can delete someone else's message", 'seq');
      }
      const audience = audienceOf(conversation);
      if (held.deleted) return { message: held, audience };
      const removed = await store.remove(actor.space, conversation.id, seq, clock.now());
      if (!removed) throw messageNotFound();
      return { message: removed, audience };
    },

    /** Deletes a channel (not #general) with all its messages. Who may is the command's permission. */
    async deleteChannel(actor: Actor, conversationId: string): Promise<{ conversationId: string }> {
      const channel = managedChannel(await readable(actor, conversationId));
      if (!(await store.deleteConversation(actor.space, channel.id))) throw notFound();
      return { conversationId: channel.id };
    },

    /** Archives a channel (not #general: read-only, history kept) or brings it back. */
    async archiveChannel(actor: Actor, conversationId: string, archived: boolean): Promise<Conversation> {
      const channel = managedChannel(await readable(actor, conversationId));
      const stored = await store.setArchived(actor.space, channel.id, archived ? clock.now() : null);
      if (!stored) throw notFound();
      return conversationFor(stored, actor.user.id);
    },

    async markRead(actor: Actor, conversationId: string, seq: number): Promise<ChatReadMark> {
      const conversation = await readable(actor, conversationId);
      const stored = await store.markRead(actor.user.id, conversation.id, Math.min(seq, conversation.lastSeq));
      return { conversationId: conversation.id, seq: stored };
    },
  };
}

export type ChatService = ReturnType<typeof createChatService>;
