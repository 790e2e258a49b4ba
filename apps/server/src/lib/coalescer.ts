/**
 * Gathers keys marked dirty per group and flushes each group at most once per interval: the first mark
 * after a quiet period flushes at once, later ones wait for the interval to end. Nothing marked is
 * dropped (a burst becomes one flush carrying every key), flushes of a group never overlap, and a group
 * quiet for a whole interval is forgotten.
 */
export function createCoalescer<Key = string>(options: {
  intervalMs: number;
  /** The group's keys marked since its last flush, in the order first marked. */
  flush: (group: string, keys: ReadonlySet<Key>) => Promise<void> | void;
  onError?: (err: unknown, group: string) => void;
}) {
  const groups = new Map<string, { keys: Set<Key>; timer: ReturnType<typeof setTimeout> | undefined }>();
  let stopped = false;
  const inFlight = new Set<Promise<void>>();

  async function tick(group: string) {
    const entry = groups.get(group);
    if (!entry) return;
    entry.timer = undefined;
    if (entry.keys.size === 0) {
      groups.delete(group);
      return;
    }
    const keys = entry.keys;
    entry.keys = new Set();
    const flushing = (async () => {
      try {
        await options.flush(group, keys);
      } catch (err) {
        options.onError?.(err, group);
      }
    })();
    inFlight.add(flushing);
    await flushing;
    inFlight.delete(flushing);
    // A group forgotten while it flushed is gone: its old entry schedules nothing.
    if (!stopped && groups.get(group) === entry) entry.timer = setTimeout(() => void tick(group), options.intervalMs);
  }

  return {
    mark(group: string, key: Key) {
      if (stopped) return;
      const entry = groups.get(group);
      if (entry) {
        entry.keys.add(key);
        return;
      }
      groups.set(group, { keys: new Set([key]), timer: setTimeout(() => void tick(group), 0) });
    },
    /** Drops a group's pending keys and its next flush (a flush already running ends by itself). */
    forget(group: string) {
      const entry = groups.get(group);
      if (!entry) return;
      clearTimeout(entry.timer);
      groups.delete(group);
    },
    /** Cancels pending flushes and waits for running ones, so storage can close after it. */
    async stop() {
      stopped = true;
      for (const entry of groups.values()) clearTimeout(entry.timer);
      groups.clear();
      await Promise.allSettled(inFlight);
    },
  };
}

export type Coalescer = ReturnType<typeof createCoalescer>;
