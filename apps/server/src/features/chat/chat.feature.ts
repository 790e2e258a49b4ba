import { ServerEvent } from '@huddle/protocol';
import type { Feature, FeatureContext } from '../../feature.js';
import { BACKLOGGED_ROOM, spaceRoom, userRoom } from '../../io/rooms.js';
import { createInFlight } from '../../lib/in-flight.js';
import { chatData } from './chat.data.js';
import { type Audience, conversationFor, createChatService } from './chat.service.js';
import { createChatStore } from './chat.store.js';

/** Conversations, messages and who is here: presence is counted on connect and announced to the space. */
export function chatFeature(ctx: FeatureContext): Feature {
  const { io, presence, announcePresence: announce, clock, logger } = ctx;
  const chat = createChatService({
    store: createChatStore(ctx.db),
    clock,
    findUser: ctx.users.findById,
    sendRate: ctx.config.chatSendRate,
    rateLimiters: ctx.rateLimiters,
  });
  const departures = createInFlight();
  const rooms = (space: string, audience: Audience) =>
    audience.kind === 'space' ? [spaceRoom(space)] : audience.userIds.map(userRoom);

  return {
    name: 'chat',
    commands: {
      'chat:send': async (socket, payload) => {
        const { message, audience } = await chat.send(socket.data, payload);
        // Sent again for a retry too: the first broadcast may be what was lost. Clients drop duplicates by seq.
        io.to(rooms(socket.data.space, audience)).emit(ServerEvent.ChatMessage, message);
        return message;
      },
      'chat:history': (socket, query) => chat.history(socket.data, query),
      'chat:create-channel': async (socket, { name }) => {
        const { view, conversation, created } = await chat.createChannel(socket.data, name);
        if (created) {
          io.to(spaceRoom(socket.data.space)).emit(
            ServerEvent.ChatConversation,
            conversationFor(conversation, socket.data.user.id),
          );
        }
        return view;
      },
      'chat:open-direct': async (socket, { userId }) => {
        const { view, conversation, created, peerId } = await chat.openDirect(socket.data, userId);
        if (created) {
          io.to(userRoom(peerId)).emit(ServerEvent.ChatConversation, conversationFor(conversation, peerId));
          socket.to(userRoom(socket.data.user.id)).emit(ServerEvent.ChatConversation, view);
        }
        return view;
      },
      'chat:typing': async (socket, { conversationId }) => {
        const signal = await chat.typing(socket.data, conversationId);
        if (signal) {
          // A hint that fades by itself: a client that is behind skips it.
          io.to(rooms(socket.data.space, signal.audience))
            .except([userRoom(socket.data.user.id), BACKLOGGED_ROOM])
            .emit(ServerEvent.ChatTyping, signal.typing);
        }
        return null;
      },
      'chat:read': async (socket, { conversationId, seq }) => {
        const mark = await chat.markRead(socket.data, conversationId, seq);
        socket.to(userRoom(socket.data.user.id)).emit(ServerEvent.ChatRead, mark);
        return mark;
      },
      // Edits and deletes are announced to whoever reads the conversation now. A tab that was away
      // learns of them by reading again the messages it holds when it reconnects (the web app's
      // resumeChat): no change log on the server, and what a tab never held it reads fresh anyway.
      'chat:edit': async (socket, payload) => {
        const { message, audience } = await chat.edit(socket.data, payload);
        io.to(rooms(socket.data.space, audience)).emit(ServerEvent.ChatMessageChanged, message);
        return message;
      },
      'chat:delete': async (socket, { conversationId, seq }) => {
        const { message, audience } = await chat.deleteMessage(socket.data, conversationId, seq);
        // Deleting again announces again, like a retried send: the first announcement may be what was lost.
        io.to(rooms(socket.data.space, audience)).emit(ServerEvent.ChatMessageChanged, message);
        return message;
      },
      'chat:delete-channel': async (socket, { conversationId }) => {
        const removed = await chat.deleteChannel(socket.data, conversationId);
        io.to(spaceRoom(socket.data.space)).emit(ServerEvent.ChatConversationRemoved, removed);
        return removed;
      },
      'chat:archive-channel': async (socket, { conversationId, archived }) => {
        const channel = await chat.archiveChannel(socket.data, conversationId, archived);
        io.to(spaceRoom(socket.data.space)).emit(ServerEvent.ChatConversation, channel);
        return channel;
      },
    },

    drain: () => departures.settled(),
    data: chatData(ctx.db),

    async onConnection(socket) {
      const { space, user } = socket.data;
      // Setup is asynchronous: a socket that already went away must not be counted as present.
      if (socket.disconnected) return;
      const arrival = presence.add(space, user, socket.id);
      socket.on('disconnect', () => {
        departures.run(async () => {
          try {
            await arrival;
            const departure = await presence.remove(space, user.id, socket.id);
            if (departure.changed) announce(space, 'left', user);
          } catch (err) {
            logger.error({ err, space }, 'presence update on disconnect failed');
          }
        });
      });

      const arrived = await arrival;
      if (arrived.changed && socket.connected) announce(space, 'joined', user);
    },

    async snapshot(socket) {
      socket.emit(ServerEvent.ChatConversations, { conversations: await chat.conversations(socket.data) });
      // The whole list, to this socket; the changes after it reach it with the space's batches.
      const at = clock.now();
      socket.emit(ServerEvent.ChatPresence, { users: await presence.users(socket.data.space), at });
    },
  };
}
