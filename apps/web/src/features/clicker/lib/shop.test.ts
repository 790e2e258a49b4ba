import { describe, expect, it } from 'vitest';
import { affordableItems, canAfford, savedTowards } from './shop';

const none = { shovel: 0, excavator: 0, mine: 0, refinery: 0 };

describe('shop', () => {
  it('affords an item at exactly its price, in milligold', () => {
    expect(canAfford(14_999, 'shovel', 0)).toBe(false);
    expect(canAfford(15_000, 'shovel', 0)).toBe(true);
    // ceil(15 × 1.15) = 18
    expect(canAfford(17_999, 'shovel', 1)).toBe(false);
    expect(canAfford(18_000, 'shovel', 1)).toBe(true);
  });

  it('never affords a price past exact integers', () => {
    expect(canAfford(Number.MAX_SAFE_INTEGER, 'refinery', 1_000)).toBe(false);
    expect(savedTowards(Number.MAX_SAFE_INTEGER, 'refinery', 1_000)).toBe(0);
  });

  it('lists what the gold buys', () => {
    expect(affordableItems(0, none)).toBe('');
    expect(affordableItems(100_000, none)).toBe('shovel excavator');
    expect(affordableItems(100_000, { ...none, excavator: 1 })).toBe('shovel');
  });

  it('measures the way to the next item', () => {
    expect(savedTowards(7_500, 'shovel', 0)).toBe(0.5);
    expect(savedTowards(30_000, 'shovel', 0)).toBe(1);
  });
});
