import { useEffect } from 'react';
import { markRead } from '../commands';
import { newestSeq, useChatStore } from '../stores/chat-store';
import { useDocumentVisible } from './use-document-visible';

/**
 * While the chat is mounted in a visible tab, the active conversation is being read: the store stops
 * counting its new messages as unread, and its read position follows its newest message.
 */
export function useReadTracking(): void {
  const visible = useDocumentVisible();
  const activeId = useChatStore((s) => s.activeId);
  const newest = useChatStore((s) => {
    const active = s.activeId === null ? undefined : s.conversations?.[s.activeId];
    return active === undefined ? 0 : newestSeq(active);
  });
  const lastReadSeq = useChatStore((s) =>
    s.activeId === null ? 0 : (s.conversations?.[s.activeId]?.lastReadSeq ?? 0),
  );
  const unread = useChatStore((s) => (s.activeId === null ? 0 : (s.conversations?.[s.activeId]?.unread ?? 0)));

  useEffect(() => {
    useChatStore.getState().setViewing(visible);
  }, [visible]);

  useEffect(() => () => useChatStore.getState().setViewing(false), []);

  useEffect(() => {
    if (visible && activeId !== null && (newest > lastReadSeq || unread > 0)) markRead(activeId);
  }, [visible, activeId, newest, lastReadSeq, unread]);
}
