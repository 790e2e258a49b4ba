import { describe, expect, it } from 'vitest';
import { estimateClockOffset } from './clock';

describe('estimateClockOffset', () => {
  it('returns null without samples', () => {
    expect(estimateClockOffset([])).toBeNull();
  });

  it('assumes the server answered halfway through the round trip', () => {
    // Server runs 1000 ms ahead; 40 ms round trip, answered at local 1020 = server 2020.
    expect(estimateClockOffset([{ sentAt: 1000, receivedAt: 1040, serverTime: 2020 }])).toEqual({
      offsetMs: 1000,
      roundTripMs: 40,
    });
  });

  it('keeps only the sample with the lowest round trip', () => {
    const estimate = estimateClockOffset([
      { sentAt: 0, receivedAt: 300, serverTime: 5000 },
      { sentAt: 1000, receivedAt: 1010, serverTime: 1505 },
      { sentAt: 2000, receivedAt: 2200, serverTime: 2600 },
    ]);
    expect(estimate).toEqual({ offsetMs: 500, roundTripMs: 10 });
  });

  it('handles a server clock behind the local one', () => {
    expect(estimateClockOffset([{ sentAt: 10_000, receivedAt: 10_020, serverTime: 7_010 }])?.offsetMs).toBe(-3000);
  });

  it('ignores samples with a negative round trip (local clock stepped back)', () => {
    expect(
      estimateClockOffset([
        { sentAt: 500, receivedAt: 400, serverTime: 0 },
        { sentAt: 1000, receivedAt: 1100, serverTime: 1050 },
      ]),
    ).toEqual({ offsetMs: 0, roundTripMs: 100 });
  });
});
