import { z } from 'zod';
import { publicUserSchema } from './common.js';

/** The shop. Order is display order; ids are part of the protocol. */
export const CLICKER_ITEMS = {
  shovel: { name: 'Shovel', basePrice: 15, perClick: 1, perSecond: 0 },
  excavator: { name: 'Excavator', basePrice: 100, perClick: 0, perSecond: 1 },
  mine: { name: 'Mine', basePrice: 1_100, perClick: 0, perSecond: 8 },
  refinery: { name: 'Refinery', basePrice: 12_000, perClick: 0, perSecond: 47 },
} as const;
export type ClickerItemId = keyof typeof CLICKER_ITEMS;
export const CLICKER_ITEM_IDS = Object.keys(CLICKER_ITEMS) as ClickerItemId[];

export const CLICKER_LIMITS = {
  /** Clicks a player is credited per second at most (a fast human); a burst of one second is allowed. */
  clicksPerSecond: 20,
  /** Clicks in one `clicker:click` batch. */
  maxBatch: 50,
  /** Passive income accrues for at most this long without the player doing anything. */
  offlineCapMs: 8 * 60 * 60_000,
  priceGrowth: 1.15,
  /** Gold every player starts with: clicks only. */
  basePerClick: 1,
  leaderboardSize: 10,
  feedSize: 20,
  /** Leaderboard broadcasts per second per space, at most. */
  leaderboardUpdatesPerSecond: 4,
} as const;

/**
 * Price of the next item when `owned` are held: `ceil(base × 1.15^owned)` whole gold. Prices beyond
 * exact integers (2^53) are Infinity: nobody can afford them, and no arithmetic goes inexact.
 */
export function itemPrice(item: ClickerItemId, owned: number): number {
  const price = Math.ceil(CLICKER_ITEMS[item].basePrice * CLICKER_LIMITS.priceGrowth ** owned);
  return Number.isSafeInteger(price) ? price : Number.POSITIVE_INFINITY;
}

/**
 * Gold is counted in thousandths ("milligold") so passive income, `perSecond × elapsed ms`, is an
 * exact integer; whole gold shown is `floor(milligold / 1000)`.
 */
export const MILLI = 1000;

/** Milligold a player holds at `now`, from their last settled state: income stops after the offline cap. */
export function goldAt(player: Pick<ClickerPlayer, 'goldMilli' | 'perSecond' | 'settledAt'>, now: number): number {
  const elapsed = Math.min(Math.max(0, now - player.settledAt), CLICKER_LIMITS.offlineCapMs);
  return player.goldMilli + player.perSecond * elapsed;
}

export const clickerClickSchema = z.strictObject({
  count: z
    .number({ error: 'count must be a number' })
    .int('count must be a whole number')
    .min(1, 'Send at least one click')
    .max(CLICKER_LIMITS.maxBatch, `Send at most ${CLICKER_LIMITS.maxBatch} clicks at once`),
});

/** Client-generated id of a purchase: a retry carries the same one, so it is charged once. */
export const clientPurchaseIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'A client purchase id is 8–64 letters, digits, dashes or underscores');

export const clickerBuySchema = z.strictObject({
  clientId: clientPurchaseIdSchema,
  item: z.enum(CLICKER_ITEM_IDS as [ClickerItemId, ...ClickerItemId[]], {
    error: `Unknown item; the shop sells ${CLICKER_ITEM_IDS.join(', ')}`,
  }),
});

export const clickerItemIdSchema = z.enum(CLICKER_ITEM_IDS as [ClickerItemId, ...ClickerItemId[]]);

export const clickerPlayerSchema = z.object({
  user: publicUserSchema,
  goldMilli: z.number().int().meta({ description: 'Milligold at `settledAt`.' }),
  perClick: z.number().int(),
  perSecond: z.number().int().meta({ description: 'Whole gold per second.' }),
  items: z
    .record(clickerItemIdSchema, z.number().int())
    .meta({ description: 'How many of each item the player owns.' }),
  clicks: z.number().int(),
  settledAt: z.number().int().meta({ description: 'Server time the gold was last settled.' }),
  version: z.number().int(),
});
export type ClickerPlayer = z.infer<typeof clickerPlayerSchema>;

export const clickResultSchema = z.object({
  credited: z.number().int(),
  discarded: z.number().int().meta({ description: 'Clicks above the human rate, not counted.' }),
  player: clickerPlayerSchema,
});
export type ClickResult = z.infer<typeof clickResultSchema>;

export const leaderboardEntrySchema = z.object({
  user: publicUserSchema,
  goldMilli: z.number().int(),
  perSecond: z.number().int(),
  settledAt: z.number().int(),
});
export type LeaderboardEntry = z.infer<typeof leaderboardEntrySchema>;

export const clickerPurchaseSchema = z.object({
  user: publicUserSchema,
  item: clickerItemIdSchema,
  price: z.number().int(),
  at: z.number().int(),
});
export type ClickerPurchase = z.infer<typeof clickerPurchaseSchema>;

export const clickerBoardSchema = z.object({
  leaderboard: z.array(leaderboardEntrySchema).meta({
    description: 'Richest first, at most `CLICKER_LIMITS.leaderboardSize`, ranked by gold at `at`.',
  }),
  at: z.number().int(),
});
export type ClickerBoard = z.infer<typeof clickerBoardSchema>;

export const clickerFeedSchema = z.object({
  purchases: z.array(clickerPurchaseSchema).meta({ description: 'Newest first.' }),
});
export type ClickerFeed = z.infer<typeof clickerFeedSchema>;
