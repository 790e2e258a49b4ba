import { memo } from 'react';
import { discardMessage, retryMessage } from '../commands';
import type { LogRow, MessageRow, NoticeRow } from '../lib/log-rows';
import { clockTime, dayLabel, fullDateTime } from '../lib/time-labels';
import type { OutgoingMessage } from '../stores/chat-store';
import { MessageText } from './message-text';
import { UserAvatar } from './user-avatar';

interface LogRowProps {
  row: LogRow;
  selfId: string | null;
  /** Server time now, for day labels. */
  now: number;
}

export function LogRowItem({ row, selfId, now }: LogRowProps) {
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
      return <MessageItem row={row} mine={row.author.id === selfId} />;
  }
}

function NoticeItem({ row }: { row: NoticeRow }) {
  const { notice } = row;
  // The time is drawn by CSS from data-time, so the row's text is exactly the notice.
  return (
    <li
      className={`chat-notice chat-notice--${notice.kind}`}
      data-testid="chat-notice"
      data-row-key={row.key}
      data-time={clockTime(notice.at)}
      title={fullDateTime(notice.at)}
    >
      {notice.user.name} {notice.kind}
    </li>
  );
}

// A long log re-renders on every new message; its old rows, rebuilt but equal, need not.
const MessageItem = memo(function MessageItem({ row, mine }: { row: MessageRow; mine: boolean }) {
  const classes = ['chat-message', `chat-message--${row.status}`];
  if (row.startsGroup) classes.push('chat-message--first');
  if (mine) classes.push('chat-message--mine');
  const time = (
    <time className="chat-message__time" dateTime={new Date(row.at).toISOString()} title={fullDateTime(row.at)}>
      {clockTime(row.at)}
    </time>
  );

  return (
    <li className={classes.join(' ')} data-testid="chat-message" data-status={row.status} data-row-key={row.key}>
      <div className="chat-message__gutter">{row.startsGroup ? <UserAvatar user={row.author} /> : time}</div>
      <div className="chat-message__body">
        {row.startsGroup ? (
          <p className="chat-message__meta">
            <span className="chat-message__author" data-testid="chat-author">
              {row.author.name}
            </span>
            {time}
          </p>
        ) : (
          <span className="visually-hidden">{row.author.name}: </span>
        )}
        <p className="chat-message__text" data-testid="chat-text">
          <MessageText text={row.text} />
        </p>
        {row.status === 'pending' && <p className="chat-message__status">Sending…</p>}
        {row.status === 'failed' && row.outgoing !== null && <FailedActions message={row.outgoing} />}
      </div>
    </li>
  );
}, sameMessage);

function sameMessage(before: { row: MessageRow; mine: boolean }, after: { row: MessageRow; mine: boolean }): boolean {
  const a = before.row;
  const b = after.row;
  return (
    before.mine === after.mine &&
    a.key === b.key &&
    a.status === b.status &&
    a.startsGroup === b.startsGroup &&
    a.text === b.text &&
    a.at === b.at &&
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
