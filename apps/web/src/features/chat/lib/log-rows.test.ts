import type { ChatMessage, PublicUser } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import type { OutgoingMessage, PresenceNotice } from '../stores/chat-store';
import { buildLogRows, GROUP_WINDOW_MS, type LogRow, type LogSource } from './log-rows';

const ana: PublicUser = { id: 'u-ana', name: 'Ana' };
const bo: PublicUser = { id: 'u-bo', name: 'Bo' };
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function message(seq: number, author: PublicUser, sentAt: number): ChatMessage {
  return { conversationId: 'c:general', seq, clientId: `client-${seq}`, author, text: `m${seq}`, sentAt };
}

function outgoing(clientId: string, createdAt: number, status: OutgoingMessage['status'] = 'pending'): OutgoingMessage {
  return {
    clientId,
    conversationId: 'c:general',
    text: clientId,
    author: ana,
    createdAt,
    status,
    error: null,
    attempt: 1,
  };
}

function notice(kind: PresenceNotice['kind'], user: PublicUser, at: number): PresenceNotice {
  return { id: `${kind}:${user.id}:${at}`, kind, user, at };
}

// Days are fixed-length blocks here, so tests do not depend on the machine's time zone.
const dayOf = (at: number) => String(Math.floor(at / DAY));

function rows(source: Partial<LogSource>): LogRow[] {
  return buildLogRows({ messages: [], outgoing: [], notices: [], hasOlder: false, ...source }, dayOf);
}

function describeRows(list: LogRow[]): string[] {
  return list.map((row) => {
    if (row.kind === 'day') return 'day';
    if (row.kind === 'notice') return `${row.notice.user.name} ${row.notice.kind}`;
    return `${row.startsGroup ? '+' : ' '}${row.author.name}:${row.text}:${row.status}`;
  });
}

describe('buildLogRows', () => {
  it('groups consecutive messages by one author within five minutes', () => {
    const result = rows({
      messages: [
        message(1, ana, 0),
        message(2, ana, MINUTE),
        message(3, bo, 2 * MINUTE),
        message(4, bo, 2 * MINUTE + GROUP_WINDOW_MS),
        message(5, bo, 3 * MINUTE + 2 * GROUP_WINDOW_MS),
      ],
    });
    expect(describeRows(result)).toEqual([
      'day',
      '+Ana:m1:sent',
      ' Ana:m2:sent',
      '+Bo:m3:sent',
      ' Bo:m4:sent',
      '+Bo:m5:sent',
    ]);
  });

  it('starts a new group and a day break on a new day', () => {
    const result = rows({ messages: [message(1, ana, DAY - MINUTE), message(2, ana, DAY + MINUTE)] });
    expect(describeRows(result)).toEqual(['day', '+Ana:m1:sent', 'day', '+Ana:m2:sent']);
  });

  it('places notices at the time they happened and breaks groups around them', () => {
    const result = rows({
      messages: [message(1, ana, 0), message(2, ana, 2 * MINUTE), message(3, ana, 3 * MINUTE)],
      notices: [notice('joined', bo, MINUTE), notice('left', bo, 4 * MINUTE)],
    });
    expect(describeRows(result)).toEqual([
      'day',
      '+Ana:m1:sent',
      'Bo joined',
      '+Ana:m2:sent',
      ' Ana:m3:sent',
      'Bo left',
    ]);
  });

  it('hides notices older than the oldest message held while older ones exist', () => {
    const source = { messages: [message(10, ana, 5 * MINUTE)], notices: [notice('joined', bo, MINUTE)] };
    expect(describeRows(rows({ ...source, hasOlder: true }))).toEqual(['day', '+Ana:m10:sent']);
    expect(describeRows(rows({ ...source, hasOlder: false }))).toEqual(['day', 'Bo joined', '+Ana:m10:sent']);
  });

  it('puts outgoing messages last, grouped with the author’s sent ones', () => {
    const result = rows({
      messages: [message(1, ana, 0)],
      outgoing: [outgoing('draft-1', MINUTE, 'failed'), outgoing('draft-2', MINUTE)],
      notices: [notice('joined', bo, 2 * MINUTE)],
    });
    expect(describeRows(result)).toEqual([
      'day',
      '+Ana:m1:sent',
      'Bo joined',
      '+Ana:draft-1:failed',
      '+Ana:draft-2:pending',
    ]);
  });

  it('keys a message the same while pending and once stored', () => {
    const pending = rows({ outgoing: [outgoing('client-7', 0)] }).find((row) => row.kind === 'message');
    const stored = rows({ messages: [{ ...message(7, ana, 0) }] }).find((row) => row.kind === 'message');
    expect(pending?.key).toBe(stored?.key);
  });

  it('is empty for an empty conversation', () => {
    expect(rows({})).toEqual([]);
  });
});
