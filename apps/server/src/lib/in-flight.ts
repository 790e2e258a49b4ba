/** Work started and not finished yet, so a shutdown can wait for it before closing what it uses. */
export function createInFlight() {
  const running = new Set<Promise<unknown>>();
  return {
    /** Runs `work` now and keeps it until it settles. */
    run(work: () => Promise<unknown>): void {
      const started = work();
      running.add(started);
      void started.finally(() => running.delete(started)).catch(() => {});
    },
    /** Resolves once everything started so far has settled (its errors are its own to handle). */
    async settled(): Promise<void> {
      await Promise.allSettled(running);
    },
  };
}
