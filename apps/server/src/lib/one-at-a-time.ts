/**
 * Long work (an export) that each key may run once at a time on this process: a second start for the same
 * key is refused while the first runs.
 */
export function createOneAtATime() {
  const running = new Set<string>();
  return {
    /** Starts work for `key`: the function that ends it (safe to call twice), or null when it already runs. */
    start(key: string): (() => void) | null {
      if (running.has(key)) return null;
      running.add(key);
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        running.delete(key);
      };
    },
  };
}

export type OneAtATime = ReturnType<typeof createOneAtATime>;
