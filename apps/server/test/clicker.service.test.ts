import { randomUUID } from 'node:crypto';
import { ErrorCode, MILLI } from '@huddle/protocol';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { initialPlayer } from '../src/features/clicker/clicker.economy.js';
import { type ClickerService, createClickerService } from '../src/features/clicker/clicker.service.js';
import { type ClickerStore, createClickerStore } from '../src/features/clicker/clicker.store.js';
import { createUserStore } from '../src/session/user.store.js';
import { createSpaceStore } from '../src/space/space.store.js';
import { deferred, storageBackends, uniqueSpace, useStorage } from './helpers.js';

describe.each(storageBackends)('clicker service on $name', (backend) => {
  const storage = useStorage(backend);
  let store: ClickerStore;
  let clicker: ClickerService;
  let t = 1_800_000_000_000;
  let space: string;
  const purchases: string[] = [];

  beforeAll(() => {
    store = createClickerStore(storage.db);
  });
  afterAll(async () => {
    await clicker.stop();
  });
  /** A clicker service: one node's, with its own per-user queue, on `nodeStore`. */
  function service(nodeStore: ClickerStore): ClickerService {
    return createClickerService({
      store: nodeStore,
      clock: { now: () => t },
      logger: pino({ level: 'silent' }),
      onPlayer: () => {},
      onLeaderboard: () => {},
      onPurchase: (_space, p) => purchases.push(`${p.user.name} ${p.item} ${p.price}`),
    });
  }

  beforeEach(async () => {
    t += 60_000;
    space = uniqueSpace('gold');
    await createSpaceStore(storage.db).create(space, 'open', t);
    purchases.length = 0;
    await clicker?.stop();
    clicker = service(store);
  });

  /** A player with this much gold and income, as the actor that plays. */
  async function player(name: string, goldMilli = 0, perSecond = 0) {
    const user = { id: `${space}-${name}`, name };
    await createUserStore(storage.db).create({ id: user.id, space, name, createdAt: t });
    await store.insertIfAbsent({ ...initialPlayer(user, space, t), goldMilli, perSecond });
    return { user, space };
  }

  it('lets two tabs on one node buying at once spend the gold only once', async () => {
    const ana = await player('Ana', 150 * MILLI);
    const results = await Promise.allSettled([1, 2, 3].map(() => clicker.buy(ana, 'excavator', randomUUID())));
    const bought = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(bought).toHaveLength(1);
    expect(refused.map((r) => (r as PromiseRejectedResult).reason.code)).toEqual([
      ErrorCode.InsufficientFunds,
      ErrorCode.InsufficientFunds,
    ]);
    expect(await clicker.player(ana)).toMatchObject({
      goldMilli: 50 * MILLI,
      perSecond: 1,
      items: { excavator: 1 },
    });
    expect(purchases).toEqual(['Ana excavator 100']);
    expect((await clicker.feed(space)).purchases).toMatchObject([
      { user: { name: 'Ana' }, item: 'excavator', price: 100 },
    ]);
  });

  it('lets two nodes buying for one user at once spend the gold only once: the later write is refused on its version', async () => {
    const ana = await player('Ana', 150 * MILLI);
    // A second node: its own per-user queue, so nothing on this side keeps the two buys apart. On
    // PostgreSQL it also has its own connection pool; SQLite is one process's database, with one connection.
    const otherDb = backend.name === 'PostgreSQL' ? await storage.reopen() : storage.db;
    const writes: boolean[] = [];
    const [storeOfNode1, storeOfNode2] = readTogether(store, createClickerStore(otherDb), writes);
    const node1 = service(storeOfNode1);
    const node2 = service(storeOfNode2);
    try {
      const results = await Promise.allSettled([
        node1.buy(ana, 'excavator', randomUUID()),
        node2.buy(ana, 'excavator', randomUUID()),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected').map((r) => r.reason.code)).toEqual([
        ErrorCode.InsufficientFunds,
      ]);
      // Both read 150 gold and wrote: one write found the version it had read, the other did not (and its
      // retry read 50 gold, too little).
      expect([...writes].sort()).toEqual([false, true]);
      expect(await clicker.player(ana)).toMatchObject({
        goldMilli: 50 * MILLI,
        perSecond: 1,
        items: { excavator: 1 },
        version: 1,
      });
      expect(purchases).toEqual(['Ana excavator 100']);
      expect((await clicker.feed(space)).purchases).toHaveLength(1);
    } finally {
      await node1.stop();
      await node2.stop();
      if (otherDb !== storage.db) await otherDb.destroy();
    }
  });

  it('charges a retried purchase once: the retry acks the player as it is then', async () => {
    const ana = await player('Ana', 150 * MILLI);
    const clientId = randomUUID();
    const first = await clicker.buy(ana, 'excavator', clientId);
    expect(first).toMatchObject({ goldMilli: 50 * MILLI, items: { excavator: 1 }, version: 1 });
    t += 1000; // a second of income (1 gold) before the retry
    const retried = await clicker.buy(ana, 'excavator', clientId);
    expect(retried).toMatchObject({ goldMilli: 50 * MILLI, items: { excavator: 1 }, version: 1 });
    expect(retried).toEqual(await clicker.player(ana));
    expect(purchases).toEqual(['Ana excavator 100']);
    expect((await clicker.feed(space)).purchases).toHaveLength(1);
    // Another id is another purchase (refused here: 51 gold, an excavator now costs 115).
    await expect(clicker.buy(ana, 'excavator', randomUUID())).rejects.toMatchObject({
      code: ErrorCode.InsufficientFunds,
    });
  });

  it('charges a purchase retried on two nodes at the same moment once', async () => {
    const ana = await player('Ana', 250 * MILLI);
    const otherDb = backend.name === 'PostgreSQL' ? await storage.reopen() : storage.db;
    const writes: boolean[] = [];
    const [storeOfNode1, storeOfNode2] = readTogether(store, createClickerStore(otherDb), writes);
    const node1 = service(storeOfNode1);
    const node2 = service(storeOfNode2);
    const clientId = randomUUID();
    try {
      const [a, b] = await Promise.all([node1.buy(ana, 'excavator', clientId), node2.buy(ana, 'excavator', clientId)]);
      // Both read 250 gold and wrote: one stored the purchase, the other found it on its next attempt.
      expect([...writes].sort()).toEqual([false, true]);
      expect(a).toEqual(b);
      expect(a).toMatchObject({ goldMilli: 150 * MILLI, items: { excavator: 1 }, version: 1 });
      expect((await clicker.feed(space)).purchases).toHaveLength(1);
    } finally {
      await node1.stop();
      await node2.stop();
      if (otherDb !== storage.db) await otherDb.destroy();
    }
  });

  it('changes nothing when a purchase is refused', async () => {
    const bo = await player('Bo', 14 * MILLI);
    const before = await clicker.player(bo);
    await expect(clicker.buy(bo, 'shovel', randomUUID())).rejects.toMatchObject({ code: ErrorCode.InsufficientFunds });
    expect(await clicker.player(bo)).toEqual(before);
    expect((await clicker.feed(space)).purchases).toEqual([]);
  });

  it('ranks by gold now, passive income included, and credits clicks with the stored allowance', async () => {
    const ana = await player('Ana', 100 * MILLI);
    await player('Bo', 0, 5);
    await player('Cy', 0);
    t += 30_000; // Bo earns 150 gold meanwhile
    const board = await clicker.board(space);
    expect(board.leaderboard.map((e) => e.user.name)).toEqual(['Bo', 'Ana', 'Cy']);

    const first = await clicker.click(ana, 50);
    expect(first).toMatchObject({ credited: 20, discarded: 30 });
    // Another tab (or node) gets no fresh allowance: it is stored with the player.
    const second = await clicker.click(ana, 50);
    expect(second).toMatchObject({ credited: 0, discarded: 50 });
    expect(second.player.goldMilli).toBe(120 * MILLI);
    // Nothing credited, nothing written: a flood past the allowance costs no storage writes.
    expect(second.player.version).toBe(first.player.version);
  });
});

/**
 * The stores of two nodes whose first reads of a player both finish before either node goes on: the
 * read → write race that only the conditional write on `version` settles. Each write's outcome is
 * recorded in `writes`.
 */
function readTogether(first: ClickerStore, second: ClickerStore, writes: boolean[]): [ClickerStore, ClickerStore] {
  let waiting = 2;
  const everyoneRead = deferred();
  const racing = (store: ClickerStore): ClickerStore => {
    let firstRead = true;
    return {
      ...store,
      async get(userId) {
        const found = await store.get(userId);
        if (firstRead) {
          firstRead = false;
          waiting -= 1;
          if (waiting === 0) everyoneRead.resolve();
          await everyoneRead.promise;
        }
        return found;
      },
      async update(next, expectedVersion, purchase) {
        const written = await store.update(next, expectedVersion, purchase);
        writes.push(written === 'updated');
        return written;
      },
    };
  };
  return [racing(first), racing(second)];
}
