import { SENSOR_LIMITS, ServerEvent, type ServerToClientEvents } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { connectRecorded, join, send, type TestClient, uniqueSpace, useTestServers } from './helpers.js';

const servers = useTestServers();
// The caps as the README promises them, written out: a test that read the product's constants would
// follow them wherever they were moved.
const BOARD_UPDATES_PER_SECOND = 10;
const PRESENCE_BATCHES_PER_SECOND = 4;
const LEADERBOARD_UPDATES_PER_SECOND = 4;
const LEADERBOARD_SIZE = 10;

/** When each event of one kind reached a client, from its first packet on. */
function arrivals<E extends keyof ServerToClientEvents>(
  event: E,
  keep: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true,
) {
  const times: number[] = [];
  return {
    watch(socket: TestClient) {
      (socket as unknown as { on(e: string, l: (p: never) => void): void }).on(event, (payload: never) => {
        if (keep(payload)) times.push(performance.now());
      });
    },
    /**
     * Events that arrived since `from` (all sent after it), and the most a cap of `perSecond` lets through
     * by the time the last one arrived: the first may go at once, each next one an interval after the one
     * before. An event arrives after it was sent, so a late flush or a stalled client only lowers the
     * count; one event of slack covers timers that fire a few ms early (libuv's cached loop time).
     */
    since(from: number, perSecond: number) {
      const seen = times.filter((t) => t >= from);
      const untilLastMs = (seen.at(-1) ?? from) - from;
      return { count: seen.length, allowed: Math.floor((untilLastMs * perSecond) / 1000) + 2 };
    },
  };
}

const ok = <T>(ack: { ok: true; data: T } | { ok: false; error: { message: string } }): T => {
  if (!ack.ok) throw new Error(ack.error.message);
  return ack.data;
};

/** Users of one space, each with one connected tab. */
async function crowd(url: string, space: string, names: string[]) {
  return Promise.all(
    names.map(async (name) => {
      const grant = await join(url, space, name);
      const tab = servers.track(await connectRecorded(url, grant.token));
      await tab.events.next(ServerEvent.Welcome);
      return { name, ...tab };
    }),
  );
}

/**
 * `streams` senders side by side, each sending one change after another, each waiting for the answer to
 * the one before: changes keep arriving over many cap intervals. (A flood sent all at once is handled in
 * one go, before any timer could fire, and would not tell a cap from none.)
 */
async function inStreams(streams: number, perStream: number, change: (stream: number, i: number) => Promise<void>) {
  await Promise.all(
    Array.from({ length: streams }, async (_, stream) => {
      for (let i = 0; i < perStream; i += 1) await change(stream, i);
    }),
  );
}

const STREAMS = 4;

describe('update rates under a flood of changes', () => {
  it(`sends a sensor's board updates at most ${BOARD_UPDATES_PER_SECOND} a second, the last state included`, async () => {
    const { url } = await servers.start();
    const space = uniqueSpace('sensor-rate');
    const updates = arrivals(ServerEvent.SensorUpdate, (s) => s.sensorId === 'desk');
    const viewerGrant = await join(url, space, 'Viewer');
    const viewer = servers.track(await connectRecorded(url, viewerGrant.token, updates.watch));
    await viewer.events.next(ServerEvent.SensorBoard);
    // Twenty users, each pressing the random-reading button 4 times (their burst is 5): 80 changes.
    const pressers = await crowd(
      url,
      space,
      Array.from({ length: 20 }, (_, i) => `Presser${i}`),
    );
    const perStream = 20;

    const start = performance.now();
    let changes = 0;
    await inStreams(STREAMS, perStream, async (stream, i) => {
      const presser = pressers[stream * (pressers.length / STREAMS) + (i % (pressers.length / STREAMS))];
      if (!presser) throw new Error('no such presser');
      const { stored } = ok(await send(presser.socket, 'sensor:random', { sensorId: 'desk', count: 1 }));
      changes += stored;
    });
    expect(changes).toBe(STREAMS * perStream);

    // Updates do arrive, and the last one holds every reading stored.
    const last = await viewer.events.next(ServerEvent.SensorUpdate, (s) => s.total === changes, 10_000);
    expect(last.latest).toHaveLength(SENSOR_LIMITS.latestCount);
    const { count, allowed } = updates.since(start, BOARD_UPDATES_PER_SECOND);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(allowed);
    // The flood outran the cap, or the bound above would prove nothing.
    expect(changes).toBeGreaterThan(2 * allowed);
  });

  it(`sends presence changes in batches, at most ${PRESENCE_BATCHES_PER_SECOND} a second, none lost`, async () => {
    const { url } = await servers.start();
    const space = uniqueSpace('presence-rate');
    const batches = arrivals(ServerEvent.ChatPresence, (p) => 'changes' in p);
    const viewerGrant = await join(url, space, 'Viewer');
    const viewer = servers.track(await connectRecorded(url, viewerGrant.token, batches.watch));
    // The viewer's own arrival is announced to the space before the flood starts.
    await viewer.events.next(ServerEvent.ChatPresence, (p) => 'changes' in p && p.changes[0]?.user.name === 'Viewer');
    // 64 guests, each arriving once and leaving once: 128 changes, one user each, none merged away.
    const perStream = 16;
    const grants = await Promise.all(
      Array.from({ length: STREAMS * perStream }, (_, i) => join(url, space, `Guest${i}`)),
    );

    const start = performance.now();
    await inStreams(STREAMS, perStream, async (stream, i) => {
      const grant = grants[stream * perStream + i];
      if (!grant) throw new Error('no such guest');
      const tab = await connectRecorded(url, grant.token);
      await tab.events.next(ServerEvent.Welcome);
      tab.socket.disconnect();
    });
    const changes = grants.length * 2;

    // Every change arrives (none is dropped to keep the rate), and the list ends as it is.
    const guestChanges = () => viewer.events.presenceChanges().filter((c) => c.user.name.startsWith('Guest')).length;
    await expect.poll(guestChanges, { timeout: 10_000 }).toBe(changes);
    expect(viewer.events.presenceNames()).toEqual(['Viewer']);
    const { count, allowed } = batches.since(start, PRESENCE_BATCHES_PER_SECOND);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(allowed);
    // The flood outran the cap, or the bound above would prove nothing.
    expect(changes).toBeGreaterThan(2 * allowed);
  });

  it(`sends the leaderboard at most ${LEADERBOARD_UPDATES_PER_SECOND} a second, the top ${LEADERBOARD_SIZE} only, ending on the final ranking`, async () => {
    const { url } = await servers.start();
    const space = uniqueSpace('leaderboard-rate');
    const boards = arrivals(ServerEvent.ClickerLeaderboard);
    const viewerGrant = await join(url, space, 'Viewer');
    const viewer = servers.track(await connectRecorded(url, viewerGrant.token, boards.watch));
    await viewer.events.next(ServerEvent.ClickerLeaderboard);
    // 13 players (and the viewer): 160 clicks between them, each a change to the ranking.
    const players = await crowd(
      url,
      space,
      Array.from({ length: LEADERBOARD_SIZE + 3 }, (_, i) => `P${String(i).padStart(2, '0')}`),
    );
    const perStream = 40;

    const start = performance.now();
    const finalGold = new Map<string, number>();
    await inStreams(STREAMS, perStream, async (stream, i) => {
      const player = players[(stream + i * STREAMS) % players.length];
      if (!player) throw new Error('no such player');
      const result = ok(await send(player.socket, 'clicker:click', { count: 1 }));
      finalGold.set(player.name, result.player.goldMilli);
    });
    const changes = STREAMS * perStream;

    // Richest first, ties by name (byte order, as the database sorts them).
    const expected = [...finalGold]
      .map(([name, goldMilli]) => ({ name, goldMilli }))
      .sort((a, b) => b.goldMilli - a.goldMilli || (a.name < b.name ? -1 : 1))
      .slice(0, LEADERBOARD_SIZE);
    const sameRanking = (board: { leaderboard: { user: { name: string }; goldMilli: number }[] }) =>
      JSON.stringify(board.leaderboard.map((e) => ({ name: e.user.name, goldMilli: e.goldMilli }))) ===
      JSON.stringify(expected);
    // The ranking after the last click arrives: the top 10 of 14 players.
    const last = await viewer.events.next(ServerEvent.ClickerLeaderboard, sameRanking, 10_000);
    expect(last.leaderboard).toHaveLength(LEADERBOARD_SIZE);
    const { count, allowed } = boards.since(start, LEADERBOARD_UPDATES_PER_SECOND);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(allowed);
    // The flood outran the cap, or the bound above would prove nothing.
    expect(changes).toBeGreaterThan(2 * allowed);
  });
});
