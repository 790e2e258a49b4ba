import { CLICKER_LIMITS, type ClickerPlayer, type ClickerPurchase, type PublicUser } from '@huddle/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { optimisticGoldMilli, pendingClicks, useClickerStore } from './clicker-store';

const ana: PublicUser = { id: 'u-ana', name: 'Ana' };
const bo: PublicUser = { id: 'u-bo', name: 'Bo' };

function player(version: number, overrides: Partial<ClickerPlayer> = {}): ClickerPlayer {
  return {
    user: ana,
    goldMilli: 0,
    perClick: 1,
    perSecond: 0,
    items: { shovel: 0, excavator: 0, mine: 0, refinery: 0 },
    clicks: 0,
    settledAt: 1_000,
    version,
    ...overrides,
  };
}

function purchase(at: number, user = bo): ClickerPurchase {
  return { user, item: 'shovel', price: 15, at };
}

const store = () => useClickerStore.getState();

describe('clicker store', () => {
  beforeEach(() => store().clear());

  describe('player versions', () => {
    it('drops a player older than the one held', () => {
      store().receivePlayer(player(5, { goldMilli: 5_000 }));
      store().receivePlayer(player(4, { goldMilli: 4_000 }));
      expect(store().player?.goldMilli).toBe(5_000);
      store().receivePlayer(player(6, { goldMilli: 6_000 }));
      expect(store().player?.goldMilli).toBe(6_000);
    });

    it('takes the first player after a reconnect whatever its version', () => {
      store().receivePlayer(player(9));
      store().expectFreshSnapshot();
      store().receivePlayer(player(2));
      expect(store().player?.version).toBe(2);
      store().receivePlayer(player(1));
      expect(store().player?.version).toBe(2);
    });
  });

  it('keeps the newest leaderboard', () => {
    store().receiveBoard({ leaderboard: [], at: 2_000 });
    store().receiveBoard({ leaderboard: [], at: 1_000 });
    expect(store().board?.at).toBe(2_000);
  });

  describe('feed', () => {
    it('puts live purchases first and keeps as many as the server does', () => {
      store().receiveFeed([purchase(2), purchase(1)]);
      for (let at = 3; at < 3 + CLICKER_LIMITS.feedSize; at += 1) store().receivePurchase(purchase(at));
      expect(store().feed).toHaveLength(CLICKER_LIMITS.feedSize);
      expect(store().feed[0]?.at).toBe(2 + CLICKER_LIMITS.feedSize);
      expect(store().feed.at(-1)?.at).toBe(3);
    });

    it('keeps a live purchase that arrived before the snapshot of the same connection', () => {
      store().receiveFeed([purchase(1)]);
      store().expectFreshSnapshot();
      store().receivePurchase(purchase(3));
      store().receiveFeed([purchase(2), purchase(1)]);
      expect(store().feed.map((p) => p.at)).toEqual([3, 2, 1]);
    });

    it('lists a purchase once when both the snapshot and the live event carry it', () => {
      store().receivePurchase(purchase(2));
      store().receiveFeed([purchase(2), purchase(1)]);
      store().receivePurchase(purchase(3, ana));
      expect(store().feed.map((p) => p.at)).toEqual([3, 2, 1]);
    });

    it('replaces the feed with the snapshot after a reconnect', () => {
      store().receiveFeed([purchase(5), purchase(4)]);
      store().expectFreshSnapshot();
      store().receiveFeed([purchase(1)]);
      expect(store().feed.map((p) => p.at)).toEqual([1]);
    });
  });

  describe('click batches', () => {
    beforeEach(() => store().receivePlayer(player(3, { perClick: 2, goldMilli: 10_000 })));

    it('moves at most the batch size into flight, one batch at a time', () => {
      for (let i = 0; i < 7; i += 1) store().countClick();
      const batch = store().startBatch(5);
      expect(batch).toEqual({ count: 5, baseVersion: 3 });
      expect(store().startBatch(5)).toBeNull();
      expect(store().queuedClicks).toBe(2);
      expect(pendingClicks(store())).toBe(7);
    });

    it('shows the gold the pending clicks will bring until the server answers', () => {
      for (let i = 0; i < 3; i += 1) store().countClick();
      const batch = store().startBatch(50);
      store().countClick();
      // 10 gold held, 4 clicks at 2 gold each not yet counted.
      expect(optimisticGoldMilli(store(), 1_000)).toBe(18_000);
      if (batch === null) throw new Error('no batch');
      store().finishBatch(batch, {
        credited: 3,
        discarded: 0,
        player: player(4, { perClick: 2, goldMilli: 16_000 }),
      });
      expect(optimisticGoldMilli(store(), 1_000)).toBe(18_000);
      expect(store().inFlight).toBeNull();
      expect(store().notice).toBeNull();
    });

    it('stops counting a batch once a player that includes it has arrived', () => {
      store().countClick();
      store().startBatch(50);
      store().receivePlayer(player(4, { perClick: 2, goldMilli: 12_000 }));
      expect(optimisticGoldMilli(store(), 1_000)).toBe(12_000);
    });

    it('adds passive income since the player was settled', () => {
      store().receivePlayer(player(4, { goldMilli: 0, perSecond: 3, settledAt: 1_000 }));
      expect(optimisticGoldMilli(store(), 3_500)).toBe(7_500);
    });

    it('notes the clicks the server discarded', () => {
      for (let i = 0; i < 5; i += 1) store().countClick();
      const batch = store().startBatch(50);
      if (batch === null) throw new Error('no batch');
      store().finishBatch(batch, { credited: 2, discarded: 3, player: player(4, { goldMilli: 14_000 }) });
      expect(store().notice).toMatchObject({ reason: 'discarded', count: 3 });
      const id = store().notice?.id ?? -1;
      store().dismissNotice(id + 1);
      expect(store().notice).not.toBeNull();
      store().dismissNotice(id);
      expect(store().notice).toBeNull();
    });

    it('notes the clicks of a batch that failed', () => {
      store().countClick();
      const batch = store().startBatch(50);
      if (batch === null) throw new Error('no batch');
      store().finishBatch(batch, null);
      expect(store().notice).toMatchObject({ reason: 'lost', count: 1 });
      expect(pendingClicks(store())).toBe(0);
    });

    it('ignores the answer to a batch sent before the store was cleared', () => {
      store().countClick();
      const batch = store().startBatch(50);
      store().clear();
      if (batch === null) throw new Error('no batch');
      store().finishBatch(batch, { credited: 1, discarded: 0, player: player(4) });
      expect(store().player).toBeNull();
      expect(store().inFlight).toBeNull();
    });
  });
});
