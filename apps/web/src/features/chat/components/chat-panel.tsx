import '../chat.css';
import { PanelLoading } from '../../../components/ui/panel-loading';
import { useReadTracking } from '../hooks/use-read-tracking';
import { useChatStore } from '../stores/chat-store';
import { ConversationSidebar } from './conversation-sidebar';
import { ConversationView } from './conversation-view';

export function ChatPanel() {
  useReadTracking();
  const ready = useChatStore((s) => s.conversations !== null);
  const activeId = useChatStore((s) => s.activeId);

  if (!ready) {
    return <PanelLoading>Loading the chat…</PanelLoading>;
  }
  return (
    <div className="chat">
      <ConversationSidebar />
      {/* Keyed: each conversation starts with its own scroll position and composer. */}
      {activeId !== null && <ConversationView key={activeId} conversationId={activeId} />}
    </div>
  );
}
