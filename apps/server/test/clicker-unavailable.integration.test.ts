import { type Ack, type ClickResult, ErrorCode, ServerEvent } from '@huddle/protocol';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectRecorded,
  createPgDatabase,
  join,
  send,
  type TestClient,
  uniqueSpace,
  useTestServers,
} from './helpers.js';

const servers = useTestServers();
/** The wait for a player's turn that the clicker service allows (README, Limits: Storage). */
const MAX_WAIT_MS = 2000;

/** A click whose ack is awaited longer than the storage timeout (5 s), with the moment it came. */
function click(socket: TestClient, count: number): Promise<{ ack: Ack<ClickResult>; at: number }> {
  const timed = socket.timeout(15_000) as unknown as {
    emitWithAck(name: string, payload: unknown): Promise<Ack<ClickResult>>;
  };
  return timed.emitWithAck('clicker:click', { count }).then((ack) => ({ ack, at: performance.now() }));
}

describe('a clicker command that cannot start within 2 s', () => {
  let database: Awaited<ReturnType<typeof createPgDatabase>>;
  beforeAll(async () => {
    database = await createPgDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('answers UNAVAILABLE after 2 s, while the command ahead still waits on storage, and changes nothing', async () => {
    const { url } = await servers.start({ databaseUrl: database.url });
    const grant = await join(url, uniqueSpace('clicker-busy'), 'Ana');
    const ana = servers.track(await connectRecorded(url, grant.token));
    const before = await ana.events.next(ServerEvent.ClickerPlayer);

    // Another session holds Ana's row: her next write waits for it (up to the 5 s query timeout).
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    let aheadAnswer: ReturnType<typeof click> | undefined;
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM clicker_players WHERE user_id = $1 FOR UPDATE', [grant.user.id]);

      const sentAt = performance.now();
      let aheadAnsweredAt: number | undefined;
      aheadAnswer = click(ana.socket, 3).then((answer) => {
        aheadAnsweredAt = answer.at;
        return answer;
      });
      const refused = await click(ana.socket, 5);
      // Refused while the command ahead of it still waits on the lock.
      expect(aheadAnsweredAt).toBeUndefined();
      expect(refused.ack).toMatchObject({ ok: false, error: { code: ErrorCode.Unavailable } });
      const waitedMs = refused.at - sentAt;
      expect(waitedMs).toBeGreaterThanOrEqual(MAX_WAIT_MS - 50);
      // Within a client's 5 s ack timeout, not whenever storage comes back.
      expect(waitedMs).toBeLessThan(5000);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }

    // Storage answers again. The command ahead completed, or, on a machine slow enough that its write
    // outlived the 5 s query timeout first, was refused too; the refused one was never applied either way.
    if (!aheadAnswer) throw new Error('the first click was not sent');
    const ahead = (await aheadAnswer).ack;
    if (ahead.ok) expect(ahead.data).toMatchObject({ credited: 3, player: { clicks: 3 } });
    else expect(ahead.error.code).toBe(ErrorCode.Unavailable);
    const credited = ahead.ok ? 3 : 0;
    // The queue has drained: the next command runs at once, on top of nothing but the command ahead.
    const next = await send(ana.socket, 'clicker:click', { count: 1 });
    expect(next).toMatchObject({
      ok: true,
      data: { credited: 1, player: { clicks: credited + 1, version: before.version + (ahead.ok ? 2 : 1) } },
    });
  });
});
