import { describe, expect, it } from 'vitest';
import { typingText } from './typing-text';

const user = (name: string) => ({ id: `u-${name}`, name });

describe('typingText', () => {
  it('names one or two people and summarises more', () => {
    expect(typingText([])).toBeNull();
    expect(typingText([user('Ana')])).toBe('Ana is typing…');
    expect(typingText([user('Ana'), user('Bo')])).toBe('Ana and Bo are typing…');
    expect(typingText([user('Ana'), user('Bo'), user('Cy')])).toBe('Several people are typing…');
  });
});
