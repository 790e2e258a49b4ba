import { CLICKER_ITEM_IDS, type ClickerItemId, itemPrice, MILLI } from '@huddle/protocol';

/** Whether `goldMilli` pays for the next of `item` when `owned` are held. */
export function canAfford(goldMilli: number, item: ClickerItemId, owned: number): boolean {
  const price = itemPrice(item, owned);
  return Number.isFinite(price) && price * MILLI <= goldMilli;
}

/** The items `goldMilli` can buy, as one string so a change of it is cheap to notice. */
export function affordableItems(goldMilli: number, items: Record<ClickerItemId, number>): string {
  return CLICKER_ITEM_IDS.filter((item) => canAfford(goldMilli, item, items[item])).join(' ');
}

/** Share of the next item's price held, 0…1: how close it is to being bought. */
export function savedTowards(goldMilli: number, item: ClickerItemId, owned: number): number {
  const price = itemPrice(item, owned);
  if (!Number.isFinite(price)) return 0;
  return Math.min(1, Math.max(0, goldMilli / (price * MILLI)));
}
