import {
  CLICKER_ITEM_IDS,
  CLICKER_ITEMS,
  CLICKER_LIMITS,
  type ClickerItemId,
  type ClickerPlayer,
  ErrorCode,
  goldAt,
  itemPrice,
  MILLI,
  type PublicUser,
} from '@huddle/protocol';
import { AppError } from '../../errors.js';

/**
 * A player's stored game plus the click allowance: a token bucket kept in storage beside the gold, so
 * the human-rate cap holds across tabs, devices and server nodes. One click costs MILLI tokens.
 */
export interface PlayerState extends ClickerPlayer {
  space: string;
  clickTokensMilli: number;
  tokensAt: number;
}

const BURST_TOKENS = CLICKER_LIMITS.clicksPerSecond * MILLI;

export function initialPlayer(user: PublicUser, space: string, now: number): PlayerState {
  return {
    user,
    space,
    goldMilli: 0,
    perClick: CLICKER_LIMITS.basePerClick,
    perSecond: 0,
    items: Object.fromEntries(CLICKER_ITEM_IDS.map((id) => [id, 0])) as Record<ClickerItemId, number>,
    clicks: 0,
    settledAt: now,
    clickTokensMilli: BURST_TOKENS,
    tokensAt: now,
    version: 0,
  };
}

/** Passive income up to `now` folded into the stored gold (capped by the offline limit). */
export function settle(player: PlayerState, now: number): PlayerState {
  if (now <= player.settledAt) return player;
  return { ...player, goldMilli: goldAt(player, now), settledAt: now };
}

/** Credits up to the allowance of `count` clicks; the rest are discarded and reported. */
export function click(
  player: PlayerState,
  count: number,
  now: number,
): { player: PlayerState; credited: number; discarded: number } {
  const settled = settle(player, now);
  // clicksPerSecond × MILLI tokens a second is clicksPerSecond tokens a millisecond.
  const refilled = Math.min(
    BURST_TOKENS,
    settled.clickTokensMilli + Math.max(0, now - settled.tokensAt) * CLICKER_LIMITS.clicksPerSecond,
  );
  const credited = Math.min(count, Math.floor(refilled / MILLI));
  return {
    credited,
    discarded: count - credited,
    player: {
      ...settled,
      goldMilli: settled.goldMilli + credited * settled.perClick * MILLI,
      clicks: settled.clicks + credited,
      clickTokensMilli: refilled - credited * MILLI,
      tokensAt: now,
    },
  };
}

/** Buys one item, or fails with INSUFFICIENT_FUNDS and changes nothing. */
export function buy(player: PlayerState, item: ClickerItemId, now: number): { player: PlayerState; price: number } {
  const settled = settle(player, now);
  const owned = settled.items[item];
  const price = itemPrice(item, owned);
  if (!Number.isFinite(price) || price * MILLI > settled.goldMilli) {
    const have = Math.floor(settled.goldMilli / MILLI);
    throw new AppError(
      ErrorCode.InsufficientFunds,
      `Not enough gold: a ${CLICKER_ITEMS[item].name.toLowerCase()} costs ${formatGold(price)}, you have ${formatGold(have)}`,
      'item',
    );
  }
  const spec = CLICKER_ITEMS[item];
  return {
    price,
    player: {
      ...settled,
      goldMilli: settled.goldMilli - price * MILLI,
      items: { ...settled.items, [item]: owned + 1 },
      perClick: settled.perClick + spec.perClick,
      perSecond: settled.perSecond + spec.perSecond,
    },
  };
}

const formatGold = (n: number) => (Number.isFinite(n) ? n.toLocaleString('en') : 'more than anyone has');

/** The public part of a player's state. */
export function publicPlayer(player: PlayerState): ClickerPlayer {
  const { space: _space, clickTokensMilli: _tokens, tokensAt: _at, ...rest } = player;
  return rest;
}
