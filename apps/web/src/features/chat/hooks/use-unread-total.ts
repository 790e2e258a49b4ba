import { useChatStore } from '../stores/chat-store';

/** Unread messages over every conversation of the space: the chat's badge in the navigation. */
export function useUnreadTotal(): number {
  return useChatStore((s) =>
    Object.values(s.conversations ?? {}).reduce((total, conversation) => total + conversation.unread, 0),
  );
}
