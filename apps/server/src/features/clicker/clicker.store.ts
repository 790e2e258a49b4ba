import { CLICKER_LIMITS, type ClickerItemId, type ClickerPurchase, type LeaderboardEntry } from '@huddle/protocol';
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { isUniqueViolation } from '../../db/storage-errors.js';
import type { PlayerState } from './clicker.economy.js';

/** A purchase as stored: with the buyer's client-generated id. */
export type StoredPurchase = ClickerPurchase & { clientId: string };

/** How a conditional write went: written, the player changed first, or that purchase is stored already. */
export type UpdateOutcome = 'updated' | 'stale' | 'duplicate';

export interface ClickerStore {
  get(userId: string): Promise<PlayerState | null>;
  insertIfAbsent(player: PlayerState): Promise<void>;
  /**
   * Writes `next` only if the stored version is still `expectedVersion`, together with the purchase
   * it records (one transaction): `stale` when someone else changed the player first, `duplicate` (and
   * nothing written) when a purchase with that client id is already stored.
   */
  update(next: PlayerState, expectedVersion: number, purchase?: StoredPurchase): Promise<UpdateOutcome>;
  /** Whether the user's purchase with that client id is stored. */
  hasPurchase(userId: string, clientId: string): Promise<boolean>;
  /** The richest players of the space at `now`, passive income included. */
  leaderboard(space: string, now: number, size: number): Promise<LeaderboardEntry[]>;
  /** Newest first. */
  recentPurchases(space: string, size: number): Promise<ClickerPurchase[]>;
}

export function createClickerStore(db: Db): ClickerStore {
  const players = () =>
    db
      .selectFrom('clicker_players as p')
      .innerJoin('users as u', 'u.id', 'p.user_id')
      .select([
        'p.user_id',
        'u.name',
        'p.space',
        'p.gold_milli',
        'p.per_click',
        'p.per_second',
        'p.items',
        'p.clicks',
        'p.settled_at',
        'p.click_tokens_milli',
        'p.tokens_at',
        'p.version',
      ]);

  return {
    async get(userId) {
      const row = await players().where('p.user_id', '=', userId).executeTakeFirst();
      if (!row) return null;
      return {
        user: { id: row.user_id, name: row.name },
        space: row.space,
        goldMilli: row.gold_milli,
        perClick: row.per_click,
        perSecond: row.per_second,
        items: JSON.parse(row.items) as Record<ClickerItemId, number>,
        clicks: row.clicks,
        settledAt: row.settled_at,
        clickTokensMilli: row.click_tokens_milli,
        tokensAt: row.tokens_at,
        version: row.version,
      };
    },
    async insertIfAbsent(p) {
      await db
        .insertInto('clicker_players')
        .values({
          user_id: p.user.id,
          space: p.space,
          gold_milli: p.goldMilli,
          per_click: p.perClick,
          per_second: p.perSecond,
          items: JSON.stringify(p.items),
          clicks: p.clicks,
          settled_at: p.settledAt,
          click_tokens_milli: p.clickTokensMilli,
          tokens_at: p.tokensAt,
          version: p.version,
        })
        .onConflict((oc) => oc.column('user_id').doNothing())
        .execute();
    },
    async update(next, expectedVersion, purchase) {
      try {
        return await db.transaction().execute(async (trx) => {
          const result = await trx
            .updateTable('clicker_players')
            .set({
              gold_milli: next.goldMilli,
              per_click: next.perClick,
              per_second: next.perSecond,
              items: JSON.stringify(next.items),
              clicks: next.clicks,
              settled_at: next.settledAt,
              click_tokens_milli: next.clickTokensMilli,
              tokens_at: next.tokensAt,
              version: next.version,
            })
            .where('user_id', '=', next.user.id)
            .where('version', '=', expectedVersion)
            .executeTakeFirst();
          if (Number(result.numUpdatedRows) !== 1) return 'stale';
          if (purchase) {
            await trx
              .insertInto('clicker_purchases')
              .values({
                space: next.space,
                user_id: purchase.user.id,
                item: purchase.item,
                price: purchase.price,
                at: purchase.at,
                client_id: purchase.clientId,
              })
              .execute();
          }
          return 'updated';
        });
      } catch (err) {
        // The same purchase, retried on another node at the same moment: its transaction rolled back whole.
        if (purchase && isUniqueViolation(err)) return 'duplicate';
        throw err;
      }
    },
    async hasPurchase(userId, clientId) {
      const row = await db
        .selectFrom('clicker_purchases')
        .select('id')
        .where('user_id', '=', userId)
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return row !== undefined;
    },
    async leaderboard(space, now, size) {
      // Gold now = stored + perSecond × min(now − settledAt, cap), as goldAt computes it.
      const elapsed = sql<number>`case when ${now} - p.settled_at > ${CLICKER_LIMITS.offlineCapMs} then ${CLICKER_LIMITS.offlineCapMs} when ${now} - p.settled_at < 0 then 0 else ${now} - p.settled_at end`;
      const goldNow = sql<number>`p.gold_milli + p.per_second * ${elapsed}`;
      const rows = await db
        .selectFrom('clicker_players as p')
        .innerJoin('users as u', 'u.id', 'p.user_id')
        .select(['p.user_id', 'u.name', 'p.gold_milli', 'p.per_second', 'p.settled_at'])
        .where('p.space', '=', space)
        .orderBy(goldNow, 'desc')
        .orderBy('u.name')
        .limit(size)
        .execute();
      return rows.map((r) => ({
        user: { id: r.user_id, name: r.name },
        goldMilli: r.gold_milli,
        perSecond: r.per_second,
        settledAt: r.settled_at,
      }));
    },
    async recentPurchases(space, size) {
      const rows = await db
        .selectFrom('clicker_purchases as c')
        .innerJoin('users as u', 'u.id', 'c.user_id')
        .select(['c.user_id', 'u.name', 'c.item', 'c.price', 'c.at'])
        .where('c.space', '=', space)
        .orderBy('c.id', 'desc')
        .limit(size)
        .execute();
      return rows.map((r) => ({
        user: { id: r.user_id, name: r.name },
        item: r.item as ClickerItemId,
        price: r.price,
        at: r.at,
      }));
    },
  };
}
