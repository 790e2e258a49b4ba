import { type Conversation, DEFAULT_CHANNEL } from '@huddle/protocol';
import { useConversationTitle } from '../hooks/use-conversation-title';
import { type PresenceNotice, useChatStore } from '../stores/chat-store';
import { ChannelActions } from './channel-actions';
import { Composer } from './composer';
import { MessageLog } from './message-log';
import { TypingIndicator } from './typing-indicator';

const NO_NOTICES: readonly PresenceNotice[] = [];

/** The active conversation: its log, who is typing, and the composer (or why there is none). */
export function ConversationView({ conversationId }: { conversationId: string }) {
  const conversation = useChatStore((s) => s.conversations?.[conversationId]);
  const selfId = useChatStore((s) => s.self?.id ?? null);
  const isGeneral = conversation?.info.kind === 'channel' && conversation.info.name === DEFAULT_CHANNEL;
  // Joins and leaves concern the whole space: they show in its general channel only.
  const notices = useChatStore((s) => (isGeneral ? s.notices : NO_NOTICES));
  const peerId = conversation?.info.kind === 'direct' ? conversation.info.peer.id : null;
  const peerHere = useChatStore((s) => s.users.some((u) => u.id === peerId));
  const title = useConversationTitle(conversation?.info);
  if (conversation === undefined) return null;
  const { info } = conversation;
  const archived = info.kind === 'channel' && info.archived === true;

  return (
    <div className="chat-main">
      <div className="chat-main__header">
        <h3 className="chat-main__title">{title}</h3>
        <p className="chat-main__subtitle">{subtitle(info, peerHere)}</p>
        <ChannelActions info={info} />
      </div>
      <MessageLog conversation={conversation} title={title} notices={notices} selfId={selfId} />
      <TypingIndicator typing={conversation.typing} />
      {archived ? (
        <p className="chat-archived" data-testid="chat-archived">
          This channel is archived: its history stays, and nobody can post in it.
        </p>
      ) : (
        <Composer conversationId={info.id} title={title} />
      )}
    </div>
  );
}

function subtitle(info: Conversation, peerHere: boolean): string {
  if (info.kind === 'direct') return peerHere ? 'Here now' : 'Away — they will see your messages when they are back';
  if (info.archived === true) return 'Archived — read only';
  return info.name === DEFAULT_CHANNEL ? 'Everyone in this space' : 'A channel of this space';
}
