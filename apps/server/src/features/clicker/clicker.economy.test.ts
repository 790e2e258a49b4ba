import { CLICKER_LIMITS, ErrorCode, goldAt, itemPrice, MILLI } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { buy, click, initialPlayer, type PlayerState, settle } from './clicker.economy.js';

const T0 = 1_800_000_000_000;
const ana = { id: 'u-ana', name: 'Ana' };
const rich = (goldMilli: number): PlayerState => ({ ...initialPlayer(ana, 's', T0), goldMilli });

describe('prices', () => {
  it('are base × 1.15^owned, rounded up to whole gold', () => {
    expect([0, 1, 2, 10].map((n) => itemPrice('shovel', n))).toEqual([15, 18, 20, 61]);
    expect(itemPrice('excavator', 0)).toBe(100);
    expect(itemPrice('mine', 1)).toBe(1265);
    expect(itemPrice('refinery', 3)).toBe(18251);
  });
  it('become unaffordable rather than inexact when huge', () => {
    expect(itemPrice('refinery', 400)).toBe(Number.POSITIVE_INFINITY);
    const hoarder = { ...rich(Number.MAX_SAFE_INTEGER), items: { shovel: 0, excavator: 0, mine: 0, refinery: 400 } };
    expect(() => buy(hoarder, 'refinery', T0)).toThrow(/costs more than anyone has/);
  });
});

describe('passive income', () => {
  it('accrues per second exactly, in milligold', () => {
    const p = { ...rich(0), perSecond: 9 };
    expect(goldAt(p, T0 + 1)).toBe(9); // 9 gold/s × 1 ms = 0.009 gold
    expect(goldAt(p, T0 + 10_000)).toBe(90 * MILLI);
    expect(settle(p, T0 + 10_000)).toMatchObject({ goldMilli: 90_000, settledAt: T0 + 10_000 });
  });
  it('stops at the offline cap and never runs backwards', () => {
    const p = { ...rich(5), perSecond: 2 };
    const cap = CLICKER_LIMITS.offlineCapMs;
    expect(goldAt(p, T0 + cap * 3)).toBe(5 + 2 * cap);
    expect(goldAt(p, T0 - 60_000)).toBe(5);
    expect(settle(p, T0 - 60_000)).toBe(p);
  });
});

describe('clicks', () => {
  it('credits a second’s burst, then the human rate, and reports the rest', () => {
    const first = click(rich(0), 50, T0);
    expect(first).toMatchObject({ credited: 20, discarded: 30 });
    expect(first.player.goldMilli).toBe(20 * MILLI);
    const halfSecondLater = click(first.player, 50, T0 + 500);
    expect(halfSecondLater).toMatchObject({ credited: 10, discarded: 40 });
    const muchLater = click(halfSecondLater.player, 50, T0 + 60_000);
    expect(muchLater.credited).toBe(20);
  });
  it('never credits more than 20 a second to an auto-clicker, however it batches', () => {
    let p = rich(0);
    let credited = 0;
    for (let ms = 0; ms <= 10_000; ms += 1) {
      const r = click(p, 1, T0 + ms); // 1,000 clicks a second
      p = r.player;
      credited += r.credited;
    }
    expect(credited).toBeLessThanOrEqual(20 + 20 * 10);
    expect(credited).toBeGreaterThanOrEqual(20 * 10);
    expect(p.goldMilli).toBe(credited * MILLI);
  });
  it('pays per click what the shovels add', () => {
    const withShovels = { ...rich(0), perClick: 3 };
    expect(click(withShovels, 2, T0).player.goldMilli).toBe(6 * MILLI);
  });
});

describe('buying', () => {
  it('spends exactly the price and raises the rates', () => {
    const { player, price } = buy(rich(100 * MILLI), 'excavator', T0);
    expect(price).toBe(100);
    expect(player).toMatchObject({ goldMilli: 0, perSecond: 1, items: { excavator: 1 } });
    const shovel = buy({ ...player, goldMilli: 15 * MILLI }, 'shovel', T0);
    expect(shovel.player).toMatchObject({ perClick: 2, items: { shovel: 1, excavator: 1 } });
  });
  it('refuses without enough gold and names the price', () => {
    const poor = rich(14_999);
    let error: unknown;
    try {
      buy(poor, 'shovel', T0);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: ErrorCode.InsufficientFunds,
      message: 'Not enough gold: a shovel costs 15, you have 14',
    });
  });
  it('counts passive income earned up to the moment of buying', () => {
    const earning = { ...rich(0), perSecond: 10 };
    expect(buy(earning, 'excavator', T0 + 10_000).player.goldMilli).toBe(0);
  });
});
