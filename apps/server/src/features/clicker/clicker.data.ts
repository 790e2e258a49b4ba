import type { Db } from '../../db/database.js';
import { keysetPages } from '../../db/keyset.js';
import type { ExportRecord, FeatureData } from '../../feature.js';

/** The gold clicker's tables in a space's data lifecycle: clicker_players and clicker_purchases. */
export function clickerData(db: Db, forget: (space: string) => void): FeatureData {
  async function* exportSpace(space: string): AsyncGenerator<ExportRecord> {
    const players = keysetPages(
      (after: string | undefined, limit) => {
        let page = db
          .selectFrom('clicker_players')
          .select(['user_id', 'gold_milli', 'per_click', 'per_second', 'items', 'clicks', 'settled_at'])
          .where('space', '=', space);
        if (after !== undefined) page = page.where('user_id', '>', after);
        return page.orderBy('user_id').limit(limit).execute();
      },
      (p) => p.user_id,
    );
    for await (const p of players) {
      yield {
        type: 'clicker-player',
        userId: p.user_id,
        // As of `settledAt`; passive income accrues from then on.
        gold: p.gold_milli / 1000,
        perClick: p.per_click,
        perSecond: p.per_second,
        items: JSON.parse(p.items) as unknown,
        clicks: p.clicks,
        settledAt: p.settled_at,
      };
    }
    const purchases = keysetPages(
      (after: number | undefined, limit) => {
        let page = db
          .selectFrom('clicker_purchases')
          .select(['id', 'user_id', 'item', 'price', 'at'])
          .where('space', '=', space);
        if (after !== undefined) page = page.where('id', '>', after);
        return page.orderBy('id').limit(limit).execute();
      },
      (p) => p.id,
    );
    for await (const p of purchases) {
      yield { type: 'clicker-purchase', userId: p.user_id, item: p.item, price: p.price, at: p.at };
    }
  }

  return {
    exportSpace,
    async deleteSpace(trx, space) {
      await trx.deleteFrom('clicker_purchases').where('space', '=', space).execute();
      await trx.deleteFrom('clicker_players').where('space', '=', space).execute();
    },
    forgetSpace: forget,
  };
}
