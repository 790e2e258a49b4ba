import { type Conversation, DEFAULT_CHANNEL } from '@huddle/protocol';
import { useEffect, useRef, useState } from 'react';
import { InlineAlert } from '../../../components/ui/inline-alert';
import { useCommand } from '../../../hooks/use-command';
import { usePermits } from '../../../stores/members-store';
import { archiveChannel, deleteChannel } from '../commands';
import { DeleteConfirm } from './delete-confirm';

/**
 * What an admin may do to a channel other than #general: archive it (read-only, history kept) or
 * bring it back, and delete it with its messages after a confirmation. The server checks the role too.
 */
export function ChannelActions({ info }: { info: Conversation }) {
  const canModerate = usePermits('admin');
  const [confirming, setConfirming] = useState(false);
  const archive = useCommand();
  const remove = useCommand();
  const deleteRef = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);

  useEffect(() => {
    if (!confirming && wasConfirming.current) deleteRef.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  if (!canModerate || info.kind !== 'channel' || info.name === DEFAULT_CHANNEL) return null;
  const archived = info.archived === true;

  return (
    <div className="chat-channel-actions">
      {confirming ? (
        <DeleteConfirm
          question={`Delete #${info.name} and all its messages for everyone? This cannot be undone.`}
          confirmLabel="Delete channel"
          pending={remove.pending}
          onConfirm={() => void remove.run(() => deleteChannel(info.id))}
          onCancel={() => setConfirming(false)}
        />
      ) : (
        <>
          <button
            type="button"
            className="button button--small button--ghost"
            disabled={archive.pending}
            onClick={() => void archive.run(() => archiveChannel(info.id, !archived))}
          >
            {archived ? 'Unarchive' : 'Archive'}
          </button>
          <button
            ref={deleteRef}
            type="button"
            className="button button--small button--ghost"
            onClick={() => setConfirming(true)}
          >
            Delete channel
          </button>
        </>
      )}
      <InlineAlert flash={archive.feedback.flash} onDismiss={archive.feedback.dismiss} />
      <InlineAlert flash={remove.feedback.flash} onDismiss={remove.feedback.dismiss} />
    </div>
  );
}
