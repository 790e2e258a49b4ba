import type { PublicUser } from '@huddle/protocol';
import { useState } from 'react';
import { InlineAlert } from '../../../components/ui/inline-alert';
import { useFlashMessage } from '../../../hooks/use-flash-message';
import { openDirect } from '../commands';
import { useChatStore } from '../stores/chat-store';
import { UserAvatar } from './user-avatar';

/** Everyone with the space open; any of them is one click from a direct conversation. */
export function PeopleList() {
  const users = useChatStore((s) => s.users);
  const selfId = useChatStore((s) => s.self?.id ?? null);
  const [opening, setOpening] = useState<string | null>(null);
  const feedback = useFlashMessage();

  async function message(user: PublicUser) {
    setOpening(user.id);
    const ack = await openDirect(user.id);
    setOpening(null);
    if (ack.ok) feedback.dismiss();
    else feedback.show(ack.error.message);
  }

  return (
    <div className="chat-sidebar__section">
      <h3 className="chat-sidebar__heading">
        People here <span className="chat-sidebar__count">{users.length}</span>
      </h3>
      <ul className="people" aria-label="People here">
        {users.map((user) => (
          <li key={user.id} className="people__person">
            {user.id === selfId ? (
              <span className="people__self">
                <UserAvatar user={user} size="small" />
                <span className="people__name">{user.name}</span>
                <span className="people__you">(you)</span>
              </span>
            ) : (
              <button
                type="button"
                className="people__button"
                onClick={() => void message(user)}
                disabled={opening === user.id}
                title={`Message ${user.name}`}
              >
                <UserAvatar user={user} size="small" />
                <span className="people__name">
                  <span className="visually-hidden">Message </span>
                  {user.name}
                </span>
                <svg className="people__icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
                  <path d="M4 4h12a1 1 0 0 1 1 1v8a1 1 0 0 1-1 1H9l-4 3v-3H4a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z" />
                </svg>
              </button>
            )}
          </li>
        ))}
      </ul>
      <InlineAlert flash={feedback.flash} onDismiss={feedback.dismiss} />
    </div>
  );
}
