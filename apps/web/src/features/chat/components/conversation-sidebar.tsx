import { useShallow } from 'zustand/react/shallow';
import { useMemberName } from '../../../stores/members-store';
import { openConversation } from '../commands';
import { type ConversationState, selectChannels, selectDirects, useChatStore } from '../stores/chat-store';
import { NewChannelForm } from './new-channel-form';
import { PeopleList } from './people-list';
import { UnreadBadge } from './unread-badge';

export function ConversationSidebar() {
  const channels = useChatStore(useShallow(selectChannels));
  const directs = useChatStore(useShallow(selectDirects));

  return (
    <div className="chat-sidebar">
      <div className="chat-sidebar__section">
        <h3 className="chat-sidebar__heading">Channels</h3>
        <nav aria-label="Channels">
          <ul className="chat-nav">
            {channels.map((conversation) => (
              <ConversationButton key={conversation.info.id} conversation={conversation} />
            ))}
          </ul>
        </nav>
        <NewChannelForm />
      </div>
      <div className="chat-sidebar__section">
        <h3 className="chat-sidebar__heading">Direct messages</h3>
        <nav aria-label="Direct messages">
          {directs.length === 0 ? (
            <p className="chat-sidebar__empty">Pick someone below to message them.</p>
          ) : (
            <ul className="chat-nav">
              {directs.map((conversation) => (
                <ConversationButton key={conversation.info.id} conversation={conversation} />
              ))}
            </ul>
          )}
        </nav>
      </div>
      <PeopleList />
    </div>
  );
}

function ConversationButton({ conversation }: { conversation: ConversationState }) {
  const { info, unread } = conversation;
  const active = useChatStore((s) => s.activeId === info.id);
  const peerHere = useChatStore((s) => info.kind === 'direct' && s.users.some((u) => u.id === info.peer.id));
  const peer = info.kind === 'direct' ? info.peer : { id: '', name: '' };
  const peerName = useMemberName(peer.id, peer.name);
  const archived = info.kind === 'channel' && info.archived === true;
  const classes = ['chat-nav__item'];
  if (active) classes.push('chat-nav__item--active');
  if (unread > 0) classes.push('chat-nav__item--unread');
  if (archived) classes.push('chat-nav__item--archived');

  return (
    <li>
      <button
        type="button"
        className={classes.join(' ')}
        aria-current={active ? 'true' : undefined}
        onClick={() => openConversation(info.id)}
      >
        {info.kind === 'direct' && (
          <span className={`presence-dot${peerHere ? ' presence-dot--here' : ''}`} aria-hidden="true" />
        )}
        <span className="chat-nav__label">
          <span className="chat-nav__sigil">{info.kind === 'channel' ? '#' : '@'}</span>
          {info.kind === 'channel' ? info.name : peerName}
          {archived && <span className="visually-hidden"> (archived)</span>}
        </span>
        <UnreadBadge count={unread} />
      </button>
    </li>
  );
}
