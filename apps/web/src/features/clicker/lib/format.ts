import { CLICKER_ITEMS, type ClickerItemId, type ClickerPurchase, MILLI } from '@huddle/protocol';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function formatNumber(n: number): string {
  return n.toLocaleString('en');
}

/** Whole gold: what a player can spend. */
export function wholeGold(milli: number): number {
  return Math.floor(milli / MILLI);
}

/** "1,234 gold" from milligold. */
export function formatGold(milli: number): string {
  return formatWholeGold(wholeGold(milli));
}

/** "1,234 gold" from whole gold; prices past exact integers are Infinity. */
export function formatWholeGold(gold: number): string {
  return Number.isFinite(gold) ? `${formatNumber(gold)} gold` : 'more gold than anyone has';
}

/** "+1 per click", "+8 per second": what one more of an item adds. */
export function itemEffect(item: ClickerItemId): string {
  const { perClick, perSecond } = CLICKER_ITEMS[item];
  const parts = [
    perClick > 0 && `+${formatNumber(perClick)} per click`,
    perSecond > 0 && `+${formatNumber(perSecond)} per second`,
  ];
  return parts.filter(Boolean).join(', ');
}

/** "a shovel", "an excavator". */
export function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}

/** "Ana bought a shovel". */
export function describePurchase(purchase: Pick<ClickerPurchase, 'user' | 'item'>): string {
  return `${purchase.user.name} bought ${withArticle(CLICKER_ITEMS[purchase.item].name.toLowerCase())}`;
}

/** "just now", "40 s ago", "5 min ago", "3 h ago", "2 d ago"; a clock a little ahead reads as "just now". */
export function relativeTime(at: number, now: number): string {
  const ago = now - at;
  if (ago < 10 * SECOND) return 'just now';
  if (ago < MINUTE) return `${Math.floor(ago / SECOND)} s ago`;
  if (ago < HOUR) return `${Math.floor(ago / MINUTE)} min ago`;
  if (ago < DAY) return `${Math.floor(ago / HOUR)} h ago`;
  return `${Math.floor(ago / DAY)} d ago`;
}

/**
 * "Slow down — 3 clicks weren't counted". A batch without an answer may still have reached the server,
 * so lost clicks are only maybe uncounted.
 */
export function clickNoticeText(reason: 'discarded' | 'lost', count: number): string {
  const clicks = count === 1 ? '1 click' : `${formatNumber(count)} clicks`;
  if (reason === 'lost') return `Connection trouble — ${clicks} may not have counted`;
  return `Slow down — ${clicks} ${count === 1 ? "wasn't" : "weren't"} counted`;
}
