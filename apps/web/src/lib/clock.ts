/** One round trip of a clock-sync command, all times in epoch ms. */
export interface ClockSample {
  /** Local time when the request was sent. */
  sentAt: number;
  /** Local time when the answer arrived. */
  receivedAt: number;
  /** Server time written into the answer. */
  serverTime: number;
}

export interface ClockEstimate {
  /** Add to local time to get server time. */
  offsetMs: number;
  roundTripMs: number;
}

/**
 * Estimates the server-clock offset from sync samples. The sample with the lowest round trip is
 * the one least disturbed by queueing, so it alone is trusted; the server is assumed to have
 * answered halfway through it.
 */
export function estimateClockOffset(samples: readonly ClockSample[]): ClockEstimate | null {
  let best: ClockEstimate | null = null;
  for (const { sentAt, receivedAt, serverTime } of samples) {
    const roundTripMs = receivedAt - sentAt;
    if (!Number.isFinite(roundTripMs) || roundTripMs < 0) continue;
    if (best === null || roundTripMs < best.roundTripMs) {
      best = { roundTripMs, offsetMs: serverTime + roundTripMs / 2 - receivedAt };
    }
  }
  return best;
}
