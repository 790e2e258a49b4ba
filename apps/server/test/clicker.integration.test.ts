import { randomUUID } from 'node:crypto';
import { CLICKER_LIMITS, ErrorCode, MILLI, ServerEvent } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { connectRecorded, type EventLog, join, send, type TestClient, uniqueSpace, useTestServers } from './helpers.js';

const servers = useTestServers();

async function player(url: string, space: string, name: string): Promise<{ socket: TestClient; events: EventLog }> {
  const grant = await join(url, space, name);
  const tab = servers.track(await connectRecorded(url, grant.token));
  await tab.events.next(ServerEvent.ClickerFeed);
  return tab;
}

describe('gold clicker over Socket.IO', () => {
  it('credits an auto-clicker flooding 1,000 clicks a second no more than the human rate', async () => {
    const s = await servers.start();
    const bot = await player(s.url, uniqueSpace(), 'Bot');
    const started = Date.now();
    let sent = 0;
    let credited = 0;
    let discarded = 0;
    // 50 clicks every 50 ms for 2 s: 1,000 a second.
    for (let batch = 0; batch < 40; batch += 1) {
      const due = started + batch * 50;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const ack = await send(bot.socket, 'clicker:click', { count: 50 });
      if (!ack.ok) throw new Error(ack.error.message);
      sent += 50;
      credited += ack.data.credited;
      discarded += ack.data.discarded;
    }
    const seconds = (Date.now() - started) / 1000;
    expect(credited + discarded).toBe(sent);
    expect(credited).toBeLessThanOrEqual(CLICKER_LIMITS.clicksPerSecond * (1 + seconds));
    expect(credited).toBeGreaterThanOrEqual(CLICKER_LIMITS.clicksPerSecond * seconds * 0.8);
    const last = await send(bot.socket, 'clicker:click', { count: 1 });
    expect(last.ok && last.data.player.clicks).toBe(credited + (last.ok ? last.data.credited : 0));
  });

  it('refuses a purchase without enough gold and changes nothing', async () => {
    const s = await servers.start();
    const ana = await player(s.url, uniqueSpace(), 'Ana');
    await send(ana.socket, 'clicker:click', { count: 5 });
    const refused = await send(ana.socket, 'clicker:buy', { item: 'shovel', clientId: randomUUID() });
    expect(refused).toEqual({
      ok: false,
      error: {
        code: ErrorCode.InsufficientFunds,
        message: 'Not enough gold: a shovel costs 15, you have 5',
        field: 'item',
      },
    });
    const after = await send(ana.socket, 'clicker:click', { count: 1 });
    expect(after.ok && after.data.player).toMatchObject({ goldMilli: 6 * MILLI, items: { shovel: 0 }, perClick: 1 });
    for (const payload of [{ item: 'castle' }, { item: 'shovel', free: true }, {}]) {
      expect(await send(ana.socket, 'clicker:buy', payload as never)).toMatchObject({
        ok: false,
        error: { code: ErrorCode.BadRequest },
      });
    }
    for (const count of [0, 51, 1.5, -3]) {
      expect(await send(ana.socket, 'clicker:click', { count })).toMatchObject({
        ok: false,
        error: { code: ErrorCode.BadRequest, field: 'count' },
      });
    }
  });

  it('shows clicks on the leaderboard of the space, purchases in its feed, and the game in every tab', async () => {
    const s = await servers.start();
    const space = uniqueSpace();
    const anaGrant = await join(s.url, space, 'Ana');
    const ana = servers.track(await connectRecorded(s.url, anaGrant.token));
    const anaOtherTab = servers.track(await connectRecorded(s.url, anaGrant.token));
    const bo = await player(s.url, space, 'Bo');
    const outsider = await player(s.url, uniqueSpace('other'), 'Cy');

    await send(ana.socket, 'clicker:click', { count: 20 });
    const board = await bo.events.next(ServerEvent.ClickerLeaderboard, (b) =>
      b.leaderboard.some((e) => e.user.name === 'Ana' && e.goldMilli === 20 * MILLI),
    );
    expect(board.leaderboard[0]?.user.name).toBe('Ana');
    expect(board.leaderboard.map((e) => e.user.name)).toEqual(['Ana', 'Bo']);
    expect(await anaOtherTab.events.next(ServerEvent.ClickerPlayer, (p) => p.clicks === 20)).toMatchObject({
      goldMilli: 20 * MILLI,
    });

    // 20 clicks a second: enough for a shovel (15) within the second burst.
    await send(ana.socket, 'clicker:click', { count: 1 }).then(() => undefined);
    const purchase = { item: 'shovel', clientId: randomUUID() } as const;
    const bought = await send(ana.socket, 'clicker:buy', purchase);
    expect(bought).toMatchObject({ ok: true, data: { perClick: 2, items: { shovel: 1 } } });
    // A retry (its ack was lost, say) is charged once: the same player back, no second shovel.
    expect(await send(anaOtherTab.socket, 'clicker:buy', purchase)).toEqual(bought);
    expect(await bo.events.next(ServerEvent.ClickerPurchase)).toMatchObject({
      user: { name: 'Ana' },
      item: 'shovel',
      price: 15,
    });

    // The outsider's first leaderboard change is its own.
    await send(outsider.socket, 'clicker:click', { count: 1 });
    const theirs = await outsider.events.next(ServerEvent.ClickerLeaderboard, (b) => b.leaderboard.length > 0);
    expect(theirs.leaderboard.map((e) => e.user.name)).toEqual(['Cy']);
  });
});
