import { describe, expect, it } from 'vitest';
import {
  clickNoticeText,
  describePurchase,
  formatGold,
  formatWholeGold,
  itemEffect,
  relativeTime,
  withArticle,
} from './format';

describe('gold', () => {
  it('shows whole gold with thousands separators, rounding down', () => {
    expect(formatGold(0)).toBe('0 gold');
    expect(formatGold(999)).toBe('0 gold');
    expect(formatGold(1_234_999)).toBe('1,234 gold');
    expect(formatWholeGold(1_000_000)).toBe('1,000,000 gold');
  });

  it('has words for a price nobody can pay', () => {
    expect(formatWholeGold(Number.POSITIVE_INFINITY)).toBe('more gold than anyone has');
  });
});

describe('items', () => {
  it('says what an item adds', () => {
    expect(itemEffect('shovel')).toBe('+1 per click');
    expect(itemEffect('mine')).toBe('+8 per second');
  });

  it('picks a or an by the first letter', () => {
    expect(withArticle('shovel')).toBe('a shovel');
    expect(withArticle('excavator')).toBe('an excavator');
    expect(withArticle('Excavator')).toBe('an Excavator');
  });

  it('describes a purchase', () => {
    expect(describePurchase({ user: { id: 'a', name: 'Ana' }, item: 'shovel' })).toBe('Ana bought a shovel');
    expect(describePurchase({ user: { id: 'b', name: 'Bo' }, item: 'excavator' })).toBe('Bo bought an excavator');
  });
});

describe('relativeTime', () => {
  it('rounds down to the largest unit', () => {
    expect(relativeTime(10_000, 10_000)).toBe('just now');
    expect(relativeTime(10_000, 5_000)).toBe('just now');
    expect(relativeTime(0, 42_000)).toBe('42 s ago');
    expect(relativeTime(0, 5 * 60_000 + 59_000)).toBe('5 min ago');
    expect(relativeTime(0, 3 * 3_600_000)).toBe('3 h ago');
    expect(relativeTime(0, 50 * 3_600_000)).toBe('2 d ago');
  });
});

describe('clickNoticeText', () => {
  it('counts the clicks that were not credited', () => {
    expect(clickNoticeText('discarded', 3)).toBe("Slow down — 3 clicks weren't counted");
    expect(clickNoticeText('discarded', 1)).toBe("Slow down — 1 click wasn't counted");
    expect(clickNoticeText('lost', 2)).toBe('Connection trouble — 2 clicks may not have counted');
  });
});
