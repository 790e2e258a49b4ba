import { randomUUID } from 'node:crypto';
import { ErrorCode, ServerEvent } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { connectRecorded, join, send, uniqueSpace } from './helpers.js';
import { useTwoNodeCluster } from './node-process.js';

/** What a shovel costs first: the gold each player mines before the race. */
const SHOVEL_PRICE = 15;
/** Players racing at once: each race is a chance for the two reads to overlap before either write. */
const PLAYERS = 6;

// Two server processes (production heartbeats) sharing a fresh PostgreSQL database and a Redis key prefix.
describe('clicker purchases on two nodes', () => {
  const cluster = useTwoNodeCluster();

  async function tab(url: string, token: string) {
    const t = await connectRecorded(url, token);
    cluster.track(t.socket);
    return { ...t, player: await t.events.next(ServerEvent.ClickerPlayer) };
  }

  it('lets two tabs of one user on two nodes, buying at once with gold for one, buy exactly once', async () => {
    const [n1, n2] = cluster.nodes();
    const space = uniqueSpace('gold');
    const players = await Promise.all(
      Array.from({ length: PLAYERS }, async (_, i) => {
        const grant = await join(n1, space, `Miner ${i}`);
        const onNode1 = await tab(n1, grant.token);
        const onNode2 = await tab(n2, grant.token);
        const mined = await send(onNode1.socket, 'clicker:click', { count: SHOVEL_PRICE });
        expect(mined).toMatchObject({ ok: true, data: { credited: SHOVEL_PRICE } });
        return { grant, onNode1, onNode2 };
      }),
    );

    // Every player's two tabs buy in the same instant, one through each node.
    const races = await Promise.all(
      players.map(({ onNode1, onNode2 }) =>
        Promise.all([
          send(onNode1.socket, 'clicker:buy', { item: 'shovel', clientId: randomUUID() }),
          send(onNode2.socket, 'clicker:buy', { item: 'shovel', clientId: randomUUID() }),
        ]),
      ),
    );

    for (const [i, acks] of races.entries()) {
      const bought = acks.filter((a) => a.ok);
      expect(bought, `Miner ${i}`).toHaveLength(1);
      expect(bought[0]).toMatchObject({ data: { goldMilli: 0, items: { shovel: 1 } } });
      expect(
        acks.find((a) => !a.ok),
        `Miner ${i}`,
      ).toMatchObject({ error: { code: ErrorCode.InsufficientFunds } });
    }
    // What is stored, as a fresh tab on either node loads it: gold spent once (none left, never below),
    // one shovel, one purchase in the feed.
    for (const [i, { grant }] of players.entries()) {
      const fresh = await tab(i % 2 ? n2 : n1, grant.token);
      expect(fresh.player, `Miner ${i}`).toMatchObject({ goldMilli: 0, items: { shovel: 1 }, perClick: 2 });
      const feed = await fresh.events.next(ServerEvent.ClickerFeed);
      expect(feed.purchases.filter((p) => p.user.id === grant.user.id)).toHaveLength(1);
    }
  });
});
