import type { ChatMessage, PublicUser } from '@huddle/protocol';
import type { OutgoingMessage, PresenceNotice } from '../stores/chat-store';

/** Consecutive messages by one author closer than this share one header. */
export const GROUP_WINDOW_MS = 5 * 60_000;

export type MessageStatus = 'sent' | 'pending' | 'failed';

export interface MessageRow {
  kind: 'message';
  key: string;
  author: PublicUser;
  text: string;
  /** Server time: when it was stored, or written for a pending one. */
  at: number;
  status: MessageStatus;
  /** The stored message's seq; null while it is being sent. */
  seq: number | null;
  /** Server time of the last edit, when it was edited. */
  editedAt: number | null;
  /** Deleted: shown as "message deleted", with no text. */
  deleted: boolean;
  /** First of a group: shows the author. */
  startsGroup: boolean;
  outgoing: OutgoingMessage | null;
}

export interface NoticeRow {
  kind: 'notice';
  key: string;
  notice: PresenceNotice;
}

export interface DayRow {
  kind: 'day';
  key: string;
  at: number;
}

export type LogRow = MessageRow | NoticeRow | DayRow;

export interface LogSource {
  messages: readonly ChatMessage[];
  outgoing: readonly OutgoingMessage[];
  /** Only the general channel shows join/leave notices. */
  notices: readonly PresenceNotice[];
  /** Older messages exist: a notice from before the oldest one held would be out of place. */
  hasOlder: boolean;
}

/**
 * The rows of a conversation log: stored messages by seq with notices at the time they happened,
 * then what is still being sent. A day break starts each calendar day (`dayOf` gives its key, in
 * the viewer's time zone); messages group by author within `GROUP_WINDOW_MS` and within a day.
 */
export function buildLogRows(source: LogSource, dayOf: (at: number) => string): LogRow[] {
  const oldest = source.messages[0]?.sentAt;
  const notices =
    source.hasOlder && oldest !== undefined ? source.notices.filter((n) => n.at >= oldest) : source.notices;

  const rows: LogRow[] = [];
  let previous: MessageRow | null = null;
  let day: string | null = null;

  function startDay(at: number): void {
    const key = dayOf(at);
    if (key === day) return;
    day = key;
    previous = null;
    rows.push({ kind: 'day', key: `day:${key}`, at });
  }

  function pushMessage(row: Omit<MessageRow, 'kind' | 'startsGroup'>): void {
    startDay(row.at);
    const last: MessageRow | null = previous;
    const startsGroup =
      last === null ||
      last.author.id !== row.author.id ||
      row.at - last.at > GROUP_WINDOW_MS ||
      row.at < last.at ||
      last.status === 'failed';
    const message: MessageRow = { kind: 'message', startsGroup, ...row };
    rows.push(message);
    previous = message;
  }

  function pushNotice(notice: PresenceNotice | undefined): void {
    if (notice === undefined) return;
    startDay(notice.at);
    rows.push({ kind: 'notice', key: `notice:${notice.id}`, notice });
    previous = null;
  }

  let n = 0;
  for (const message of source.messages) {
    for (; n < notices.length && (notices[n]?.at ?? 0) < message.sentAt; n += 1) pushNotice(notices[n]);
    pushMessage({
      key: messageKey(message.author.id, message.clientId),
      author: message.author,
      text: message.text,
      at: message.sentAt,
      status: 'sent',
      seq: message.seq,
      editedAt: message.editedAt ?? null,
      deleted: message.deleted ?? false,
      outgoing: null,
    });
  }
  for (; n < notices.length; n += 1) pushNotice(notices[n]);

  for (const outgoing of source.outgoing) {
    pushMessage({
      key: messageKey(outgoing.author.id, outgoing.clientId),
      author: outgoing.author,
      text: outgoing.text,
      at: outgoing.createdAt,
      status: outgoing.status,
      seq: null,
      editedAt: null,
      deleted: false,
      outgoing,
    });
  }
  return rows;
}

/** The same key pending and stored, so a sent message keeps its element. */
function messageKey(authorId: string, clientId: string): string {
  return `message:${authorId}:${clientId}`;
}

/** Calendar day of a moment in the viewer's time zone, as a key. */
export function localDay(at: number): string {
  const date = new Date(at);
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}
