/** The three servers driven by the same scenarios. */
export const TARGETS = ['ws', 'socketio', 'huddle'] as const;
export type Target = (typeof TARGETS)[number];

export const TARGET_LABEL: Record<Target, string> = {
  ws: 'raw ws floor',
  socketio: 'plain Socket.IO floor',
  huddle: 'Huddle',
};

/** The space every bench client joins. */
export const BENCH_SPACE = 'bench';
/** The conversation chat scenarios write to (Huddle's default channel). */
export const BENCH_CONVERSATION = 'c:general';
/** The sensor the ingest scenarios feed. */
export const BENCH_SENSOR = 'bench-1';

/** High-resolution epoch milliseconds, comparable across the processes of this machine. */
export const now = (): number => performance.timeOrigin + performance.now();
