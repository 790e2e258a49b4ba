import { SPACE_LIMITS } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { EXPIRY_OPTIONS, usesText } from './invite-options';

describe('invite options', () => {
  it('offer the protocol default and stay within its limit', () => {
    expect(EXPIRY_OPTIONS.map((o) => o.hours)).toContain(SPACE_LIMITS.defaultInviteHours);
    for (const { hours } of EXPIRY_OPTIONS) expect(hours).toBeLessThanOrEqual(SPACE_LIMITS.maxInviteHours);
  });

  it('say how much of an invite is used', () => {
    expect(usesText({ uses: 0, maxUses: null })).toBe('Not used yet');
    expect(usesText({ uses: 1, maxUses: null })).toBe('Used 1 time');
    expect(usesText({ uses: 2, maxUses: 5 })).toBe('Used 2 of 5 times');
    expect(usesText({ uses: 0, maxUses: 1 })).toBe('Used 0 of 1 time');
  });
});
