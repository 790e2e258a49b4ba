import { memo } from 'react';
import { useMemberName } from '../../../stores/members-store';
import { discardMessage, retryMessage } from '../commands';
import type { LogRow, MessageRow, NoticeRow } from '../lib/log-rows';
import { clockTime, dayLabel, fullDateTime } from '../lib/time-labels';
import type { OutgoingMessage } from '../stores/chat-store';
import { MessageActions } from './message-actions';
import { MessageText } from './message-text';
import { UserAvatar } from './user-avatar';

interface LogRowProps {
  row: LogRow;
  selfId: string | null;
  /** Server time now, for day labels. */
  now: number;
  conversationId: string;
  /** The user may delete anyone's message (an admin or the owner). */
  canModerate: boolean;
  /** The conversation takes edits (an archived channel does not). */
  writable: boolean;
}

export function LogRowItem({ row, selfId, now, conversationId, canModerate, writable }: LogRowProps) {
  switch (row.kind) {
    case 'day':
      return (
        <li className="chat-day">
          <span>{dayLabel(row.at, now)}</span>
        </li>
      );
    case 'notice':
      return <NoticeItem row={row} />;
    case 'message':
      return (
        <MessageItem
          row={row}
          mine={row.author.id === selfId}
          conversationId={conversationId}
          canModerate={canModerate}
          writable={writable}
        />
      );
  }
}

function NoticeItem({ row }: { row: NoticeRow }) {
  const { notice } = row;
  const name = useMemberName(notice.user.id, notice.user.name);
  // The time is drawn by CSS from data-time, so the row's text is exactly the notice.
  return (
    <li
      className={`chat-notice chat-notice--${notice.kind}`}
      data-testid="chat-notice"
      data-row-key={row.key}
      data-time={clockTime(notice.at)}
      title={fullDateTime(notice.at)}
    >
      {name} {notice.kind}
    </li>
  );
}

interface MessageItemProps {
  row: MessageRow;
  mine: boolean;
  conversationId: string;
  canModerate: boolean;
  writable: boolean;
}

// A long log re-renders on every new message; its old rows, rebuilt but equal, need not.
const MessageItem = memo(function MessageItem({ row, mine, conversationId, canModerate, writable }: MessageItemProps) {
  // The author's name now (a rename shows at once), else the one the message carried.
  const name = useMemberName(row.author.id, row.author.name);
  const classes = ['chat-message', `chat-message--${row.status}`];
  if (row.startsGroup) classes.push('chat-message--first');
  if (mine) classes.push('chat-message--mine');
  if (row.deleted) classes.push('chat-message--deleted');
  const time = (
    <time className="chat-message__time" dateTime={new Date(row.at).toISOString()} title={fullDateTime(row.at)}>
      {clockTime(row.at)}
    </time>
  );
  const canEdit = mine && writable;
  const canDelete = mine || canModerate;

  return (
    <li className={classes.join(' ')} data-testid="chat-message" data-status={row.status} data-row-key={row.key}>
      <div className="chat-message__gutter">
        {row.startsGroup ? <UserAvatar user={{ id: row.author.id, name }} /> : time}
      </div>
      <div className="chat-message__body">
        {row.startsGroup ? (
          <p className="chat-message__meta">
            <span className="chat-message__author" data-testid="chat-author">
              {name}
            </span>
            {time}
          </p>
        ) : (
          <span className="visually-hidden">{name}: </span>
        )}
        {row.seq !== null && !row.deleted && (canEdit || canDelete) ? (
          <MessageActions
            conversationId={conversationId}
            seq={row.seq}
            text={row.text}
            canEdit={canEdit}
            canDelete={canDelete}
            body={<MessageBody row={row} />}
          />
        ) : (
          <MessageBody row={row} />
        )}
        {row.status === 'pending' && <p className="chat-message__status">Sending…</p>}
        {row.status === 'failed' && row.outgoing !== null && <FailedActions message={row.outgoing} />}
      </div>
    </li>
  );
}, sameMessage);

function MessageBody({ row }: { row: MessageRow }) {
  if (row.deleted) {
    return (
      <p className="chat-message__text chat-message__text--deleted" data-testid="chat-text">
        message deleted
      </p>
    );
  }
  return (
    <p className="chat-message__text" data-testid="chat-text">
      <MessageText text={row.text} />
      {row.editedAt !== null && (
        <>
          {' '}
          <span
            className="chat-message__edited"
            data-testid="chat-edited"
            title={`Edited ${fullDateTime(row.editedAt)}`}
          >
            (edited)
          </span>
        </>
      )}
    </p>
  );
}

function sameMessage(before: MessageItemProps, after: MessageItemProps): boolean {
  const a = before.row;
  const b = after.row;
  return (
    before.mine === after.mine &&
    before.conversationId === after.conversationId &&
    before.canModerate === after.canModerate &&
    before.writable === after.writable &&
    a.key === b.key &&
    a.status === b.status &&
    a.startsGroup === b.startsGroup &&
    a.text === b.text &&
    a.at === b.at &&
    a.seq === b.seq &&
    a.editedAt === b.editedAt &&
    a.deleted === b.deleted &&
    a.author.name === b.author.name &&
    a.outgoing === b.outgoing
  );
}

function FailedActions({ message }: { message: OutgoingMessage }) {
  const { conversationId, clientId } = message;
  return (
    <div className="chat-message__failure">
      <p className="chat-message__error">{message.error?.message ?? 'Not sent'}</p>
      <button type="button" className="button button--small" onClick={() => retryMessage(conversationId, clientId)}>
        Retry
      </button>
      <button
        type="button"
        className="button button--small button--ghost"
        onClick={() => discardMessage(conversationId, clientId)}
      >
        Discard
      </button>
    </div>
  );
}
