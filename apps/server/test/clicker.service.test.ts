import { ErrorCode, MILLI } from '@huddle/protocol';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { initialPlayer } from '../src/features/clicker/clicker.economy.js';
import { type ClickerService, createClickerService } from '../src/features/clicker/clicker.service.js';
import { type ClickerStore, createClickerStore } from '../src/features/clicker/clicker.store.js';
import { createUserStore } from '../src/features/session/user.store.js';
import { storageBackends, uniqueSpace, useStorage } from './helpers.js';

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
  beforeEach(async () => {
    t += 60_000;
    space = uniqueSpace('gold');
    await createUserStore(storage.db).ensureSpace(space, t);
    purchases.length = 0;
    await clicker?.stop();
    clicker = createClickerService({
      store,
      clock: { now: () => t },
      logger: pino({ level: 'silent' }),
      onPlayer: () => {},
      onLeaderboard: () => {},
      onPurchase: (_space, p) => purchases.push(`${p.user.name} ${p.item} ${p.price}`),
    });
  });

  async function player(name: string, goldMilli = 0, perSecond = 0) {
    const user = { id: `${space}-${name}`, name };
    await createUserStore(storage.db).create({ id: user.id, space, name, createdAt: t });
    await store.insertIfAbsent({ ...initialPlayer(user, space, t), goldMilli, perSecond });
    return user;
  }

  it('lets two tabs buying at once spend the gold only once', async () => {
    const ana = await player('Ana', 150 * MILLI);
    const results = await Promise.allSettled([1, 2, 3].map(() => clicker.buy(ana, space, 'excavator')));
    const bought = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(bought).toHaveLength(1);
    expect(refused.map((r) => (r as PromiseRejectedResult).reason.code)).toEqual([
      ErrorCode.InsufficientFunds,
      ErrorCode.InsufficientFunds,
    ]);
    expect(await clicker.player(ana, space)).toMatchObject({
      goldMilli: 50 * MILLI,
      perSecond: 1,
      items: { excavator: 1 },
    });
    expect(purchases).toEqual(['Ana excavator 100']);
    expect((await clicker.feed(space)).purchases).toMatchObject([
      { user: { name: 'Ana' }, item: 'excavator', price: 100 },
    ]);
  });

  it('changes nothing when a purchase is refused', async () => {
    const bo = await player('Bo', 14 * MILLI);
    const before = await clicker.player(bo, space);
    await expect(clicker.buy(bo, space, 'shovel')).rejects.toMatchObject({ code: ErrorCode.InsufficientFunds });
    expect(await clicker.player(bo, space)).toEqual(before);
    expect((await clicker.feed(space)).purchases).toEqual([]);
  });

  it('ranks by gold now, passive income included, and credits clicks with the stored allowance', async () => {
    const ana = await player('Ana', 100 * MILLI);
    await player('Bo', 0, 5);
    await player('Cy', 0);
    t += 30_000; // Bo earns 150 gold meanwhile
    const board = await clicker.board(space);
    expect(board.leaderboard.map((e) => e.user.name)).toEqual(['Bo', 'Ana', 'Cy']);

    const first = await clicker.click(ana, space, 50);
    expect(first).toMatchObject({ credited: 20, discarded: 30 });
    // Another tab (or node) gets no fresh allowance: it is stored with the player.
    const second = await clicker.click(ana, space, 50);
    expect(second).toMatchObject({ credited: 0, discarded: 50 });
    expect(second.player.goldMilli).toBe(120 * MILLI);
    // Nothing credited, nothing written: a flood past the allowance costs no storage writes.
    expect(second.player.version).toBe(first.player.version);
  });
});
