import { describe, expect, it } from 'vitest';
import { createPacketBudget, PACKET_BUDGET, PACKET_REFUSALS } from './packet-budget.js';

describe('the packet budget of a socket', () => {
  it('lets the burst through, refuses the next packet with the time to wait, and refills', () => {
    let t = 0;
    const take = createPacketBudget(1, () => t);
    for (let i = 0; i < PACKET_BUDGET.burst; i += 1) expect(take()).toEqual({ ok: true });
    expect(take()).toMatchObject({ ok: false, disconnect: false });
    t += 1000;
    for (let i = 0; i < PACKET_BUDGET.perSecond; i += 1) expect(take().ok).toBe(true);
    expect(take().ok).toBe(false);
  });

  it('only refuses a socket below twice its budget, for as long as it keeps that up', () => {
    let t = 0;
    const take = createPacketBudget(1, () => t);
    // 1.9× the budget: 19 packets every 25 ms.
    const every = 25;
    const packets = Math.round((1.9 * PACKET_BUDGET.perSecond * every) / 1000);
    let refused = 0;
    for (t = 0; t < 60_000; t += every) {
      for (let i = 0; i < packets; i += 1) {
        const verdict = take();
        expect(verdict).not.toMatchObject({ disconnect: true });
        if (!verdict.ok) refused += 1;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });

  it('disconnects a socket far over its budget once it used up its refusals', () => {
    let t = 0;
    const take = createPacketBudget(1, () => t);
    let sent = 0;
    // 10× the budget, 1 ms at a time.
    for (;;) {
      t += 1;
      const verdicts = Array.from({ length: (10 * PACKET_BUDGET.perSecond) / 1000 }, () => take());
      sent += verdicts.length;
      if (verdicts.some((v) => !v.ok && v.disconnect)) break;
      expect(t, 'disconnected within 5 s').toBeLessThan(5000);
    }
    expect(sent).toBeGreaterThan(PACKET_BUDGET.burst + PACKET_REFUSALS.burst);
  });

  it('scales with RATE_LIMIT_SCALE like the other limits', () => {
    const take = createPacketBudget(10, () => 0);
    for (let i = 0; i < PACKET_BUDGET.burst * 10; i += 1) expect(take().ok).toBe(true);
    expect(take().ok).toBe(false);
  });
});
