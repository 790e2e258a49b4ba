import { describe, expect, it } from 'vitest';
import {
  CHAT_LIMITS,
  channelNameSchema,
  chatHistorySchema,
  clientMessageIdSchema,
  messageTextSchema,
} from './schemas/chat.js';

const firstMessage = (result: { error?: { issues: { message: string }[] } }) => result.error?.issues[0]?.message;

describe('chat message text', () => {
  it('trims the ends, keeps inner lines and normalises line breaks', () => {
    expect(messageTextSchema.parse('  hello\r\n\tworld  ')).toBe('hello\n\tworld');
  });
  it('counts characters, not UTF-16 units', () => {
    expect(messageTextSchema.safeParse('😀'.repeat(CHAT_LIMITS.maxMessageChars)).success).toBe(true);
    expect(firstMessage(messageTextSchema.safeParse('😀'.repeat(CHAT_LIMITS.maxMessageChars + 1)))).toMatch(
      /at most 2000 characters/,
    );
  });
  it.each([
    ['', /Write something/],
    [' \n ', /Write something/],
    ['a\u0000b', /control characters/],
    ['a\u202Eb', /control characters/],
    ['x'.repeat(100_000), /at most 2000/],
  ])('refuses %j', (text, message) => {
    expect(firstMessage(messageTextSchema.safeParse(text))).toMatch(message);
  });
  it('keeps HTML as the text it is', () => {
    expect(messageTextSchema.parse('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>');
  });
});

describe('channel names', () => {
  it.each([
    ['general', 'general'],
    ['#Design Team', 'design-team'],
    ['  ops_2 ', 'ops_2'],
  ])('reads %j as %j', (input, name) => {
    expect(channelNameSchema.parse(input)).toBe(name);
  });
  it.each(['', '#', '-lead', 'no!', 'ünïcode', 'x'.repeat(33)])('refuses %j', (input) => {
    expect(channelNameSchema.safeParse(input).success).toBe(false);
  });
});

describe('chat ids and queries', () => {
  it('takes client message ids of a safe shape only', () => {
    expect(clientMessageIdSchema.safeParse('0123456789abcdef').success).toBe(true);
    expect(clientMessageIdSchema.safeParse('short').success).toBe(false);
    expect(clientMessageIdSchema.safeParse('a b c d e f g h').success).toBe(false);
  });
  it('asks for history before or after a point, never both', () => {
    expect(chatHistorySchema.safeParse({ conversationId: 'c:general', before: 10 }).success).toBe(true);
    expect(firstMessage(chatHistorySchema.safeParse({ conversationId: 'c:general', before: 10, after: 2 }))).toMatch(
      /not both/,
    );
    expect(chatHistorySchema.safeParse({ conversationId: 'c:general', limit: 1000 }).success).toBe(false);
  });
});
