import type { Ack, ClickerPlayer, ClickResult, CommandName } from '@huddle/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sendCommand } from '../../lib/socket';
import { buyItem, CLICK_FLUSH_MS, mineGold } from './commands';
import { pendingClicks, useClickerStore } from './stores/clicker-store';

vi.mock('../../lib/socket', () => {
  const STALE_ACK = { ok: false, error: { code: 'TIMEOUT', message: 'The space changed before the server answered' } };
  return { sendCommand: vi.fn(), STALE_ACK, isStaleAck: (ack: unknown) => ack === STALE_ACK };
});

const mockedSend = vi.mocked(sendCommand);
const store = () => useClickerStore.getState();

function player(version: number, goldMilli: number): ClickerPlayer {
  return {
    user: { id: 'u-ana', name: 'Ana' },
    goldMilli,
    perClick: 1,
    perSecond: 0,
    items: { shovel: 0, excavator: 0, mine: 0, refinery: 0 },
    clicks: 0,
    settledAt: 0,
    version,
  };
}

/** Commands sent so far, each answered only when the test resolves it. */
let calls: { name: CommandName; payload: unknown; answer: (ack: Ack<unknown>) => void }[];

function clickAck(count: number, discarded = 0): Ack<ClickResult> {
  const version = (store().player?.version ?? 0) + 1;
  const goldMilli = (store().player?.goldMilli ?? 0) + (count - discarded) * 1_000;
  return { ok: true, data: { credited: count - discarded, discarded, player: player(version, goldMilli) } };
}

const sentClicks = () =>
  calls.filter((c) => c.name === 'clicker:click').map((c) => (c.payload as { count: number }).count);

function click(times: number): void {
  for (let i = 0; i < times; i += 1) mineGold();
}

describe('click batching', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    calls = [];
    mockedSend.mockReset();
    mockedSend.mockImplementation(
      (name, payload) =>
        new Promise((resolve) =>
          calls.push({ name, payload, answer: resolve as (ack: Ack<unknown>) => void }),
        ) as never,
    );
    store().clear();
    store().receivePlayer(player(1, 0));
  });

  afterEach(() => {
    // A flush left pending would keep the next test's clicks from scheduling their own.
    vi.runOnlyPendingTimers();
    vi.useRealTimers();
  });

  it('sends the clicks of a short while together', async () => {
    click(3);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(CLICK_FLUSH_MS);
    expect(sentClicks()).toEqual([3]);
  });

  it('sends at once when a batch is full', () => {
    click(50);
    expect(sentClicks()).toEqual([50]);
  });

  it('keeps one batch in flight and sends the rest after its ack', async () => {
    click(2);
    await vi.advanceTimersByTimeAsync(CLICK_FLUSH_MS);
    click(4);
    await vi.advanceTimersByTimeAsync(CLICK_FLUSH_MS * 4);
    expect(sentClicks()).toEqual([2]);
    expect(pendingClicks(store())).toBe(6);

    calls[0]?.answer(clickAck(2));
    await vi.advanceTimersByTimeAsync(0);
    expect(store().player?.goldMilli).toBe(2_000);
    expect(pendingClicks(store())).toBe(4);
    await vi.advanceTimersByTimeAsync(CLICK_FLUSH_MS);
    expect(sentClicks()).toEqual([2, 4]);
  });

  it('notes the clicks the server discarded', async () => {
    click(5);
    await vi.advanceTimersByTimeAsync(CLICK_FLUSH_MS);
    calls[0]?.answer(clickAck(5, 2));
    await vi.advanceTimersByTimeAsync(0);
    expect(store().notice).toMatchObject({ reason: 'discarded', count: 2 });
    expect(store().player?.goldMilli).toBe(3_000);
  });

  it('counts the clicks before a purchase first', async () => {
    click(15);
    const bought = buyItem('shovel');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.name)).toEqual(['clicker:click']);

    calls[0]?.answer(clickAck(15));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.name)).toEqual(['clicker:click', 'clicker:buy']);
    expect(calls[1]?.payload).toEqual({ item: 'shovel', clientId: expect.stringMatching(/^[0-9a-f]{32}$/) });

    calls[1]?.answer({ ok: true, data: player(3, 0) });
    expect(await bought).toMatchObject({ ok: true });
    expect(store().player?.version).toBe(3);
  });

  it('sends the clicks queued behind a batch in flight before a purchase', async () => {
    click(2);
    await vi.advanceTimersByTimeAsync(CLICK_FLUSH_MS);
    click(3);
    const bought = buyItem('shovel');
    calls[0]?.answer(clickAck(2));
    await vi.advanceTimersByTimeAsync(0);
    expect(sentClicks()).toEqual([2, 3]);
    calls[1]?.answer(clickAck(3));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.at(-1)?.name).toBe('clicker:buy');
    calls[2]?.answer({ ok: false, error: { code: 'INSUFFICIENT_FUNDS', message: 'Not enough gold' } });
    expect(await bought).toMatchObject({ ok: false });
  });

  it('retries a purchase that got no answer with the same client id, and a new purchase with a new one', async () => {
    const timeout = { ok: false, error: { code: 'TIMEOUT', message: 'The server did not answer in time' } } as const;
    const buy = async (answer: Ack<unknown>) => {
      const bought = buyItem('shovel');
      await vi.advanceTimersByTimeAsync(0);
      const call = calls.at(-1);
      if (!call) throw new Error('nothing sent');
      call.answer(answer);
      await bought;
      return (call.payload as { clientId: string }).clientId;
    };
    const first = await buy(timeout);
    // Pressed again: the same purchase, which the server charges once however many times it arrives.
    expect(await buy(timeout)).toBe(first);
    expect(await buy({ ok: true, data: player(3, 0) })).toBe(first);
    // Answered: the next press is a purchase of its own.
    const second = await buy({ ok: false, error: { code: 'INSUFFICIENT_FUNDS', message: 'Not enough gold' } });
    expect(second).not.toBe(first);
    expect(await buy({ ok: true, data: player(4, 0) })).not.toBe(second);
  });
});
