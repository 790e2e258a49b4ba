/** Every count and duration of a run, recorded with its results. `--quick` shrinks them for a smoke test. */
export interface Settings {
  /** Load-generator processes holding the receivers (the sender, presser and device get one more). */
  loadWorkers: number;
  /** Handshakes in flight at once, per load-generator process. */
  connectConcurrency: number;
  /**
   * Receivers of the fan-out and connection scenarios are this many users with N / users tabs each:
   * at N = 1,000 every receiver is a user of its own (each arrival is announced to the space), at
   * N = 5,000 each of them has 5 tabs. The clicker's players are all distinct users too.
   */
  receiverUsers: number;
  chat: { receivers: number; rate: number; openMs: number; closedMs: number; maxClosed: number };
  pomodoro: { warmup: number; presses: number };
  /** Huddle allows a space 10 ingest requests a second (burst 20): the device sends big batches at that rate. */
  sensor: {
    viewers: number;
    viewerUsers: number;
    durationMs: number;
    batch: number;
    readingsPerSecond: number;
    concurrency: number;
  };
  clicker: { players: number; durationMs: number; clicksPerSecond: number; flushMs: number };
  connections: number[];
  web: { readingsPerSecond: number; batch: number; durationMs: number };
}

export const FULL: Settings = {
  loadWorkers: 2,
  connectConcurrency: 50,
  receiverUsers: 1000,
  chat: { receivers: 1000, rate: 50, openMs: 20_000, closedMs: 10_000, maxClosed: 50_000 },
  // 100 presses: their p99 is not simply the slowest one, which a single starved moment decides.
  pomodoro: { warmup: 2, presses: 100 },
  sensor: {
    viewers: 200,
    viewerUsers: 20,
    durationMs: 10_000,
    batch: 10_000,
    readingsPerSecond: 100_000,
    concurrency: 2,
  },
  // The web client sends its clicks in batches every 250 ms.
  clicker: { players: 500, durationMs: 10_000, clicksPerSecond: 10, flushMs: 250 },
  connections: [1000, 5000],
  // 50 readings a second as a device would post them: 10 requests of 5.
  web: { readingsPerSecond: 50, batch: 5, durationMs: 30_000 },
};

export const QUICK: Settings = {
  ...FULL,
  receiverUsers: 100,
  chat: { receivers: 100, rate: 50, openMs: 3000, closedMs: 2000, maxClosed: 5000 },
  pomodoro: { warmup: 1, presses: 5 },
  sensor: { viewers: 20, viewerUsers: 4, durationMs: 2000, batch: 1000, readingsPerSecond: 10_000, concurrency: 2 },
  clicker: { players: 50, durationMs: 2000, clicksPerSecond: 10, flushMs: 250 },
  connections: [100, 400],
  web: { readingsPerSecond: 50, batch: 5, durationMs: 5000 },
};
