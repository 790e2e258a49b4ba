import { ServerEvent } from '@huddle/protocol';
import type { WebFeature } from '../../lib/feature';
import { fillGap, resumeChat } from './commands';
import { ChatPanel } from './components/chat-panel';
import { useUnreadTotal } from './hooks/use-unread-total';
import { useChatStore } from './stores/chat-store';

export const chatFeature: WebFeature = {
  id: 'chat',
  events: {
    [ServerEvent.ChatConversations]: ({ conversations }) => {
      useChatStore.getState().receiveConversations(conversations);
      void resumeChat();
    },
    [ServerEvent.ChatConversation]: (conversation) => useChatStore.getState().upsertConversation(conversation),
    [ServerEvent.ChatMessage]: (message) => {
      useChatStore.getState().receiveMessage(message);
      void fillGap(message.conversationId);
    },
    [ServerEvent.ChatMessageChanged]: (message) => useChatStore.getState().receiveMessageChange(message),
    [ServerEvent.ChatConversationRemoved]: ({ conversationId }) =>
      useChatStore.getState().removeConversation(conversationId),
    [ServerEvent.ChatPresence]: (presence) => useChatStore.getState().receivePresence(presence),
    [ServerEvent.ChatTyping]: (typing) => useChatStore.getState().receiveTyping(typing),
    [ServerEvent.ChatRead]: (mark) => useChatStore.getState().applyReadMark(mark),
  },
  onWelcome: (welcome) => useChatStore.getState().setSelf(welcome.user),
  onLeave: () => useChatStore.getState().clear(),
  stores: [useChatStore],
  nav: { title: 'Chat' },
  useBadge: useUnreadTotal,
  Panel: ChatPanel,
};
