/**
 * Runs tasks of the same key one after another (tasks of different keys run freely): on one node, two
 * commands of the same user never race on the same row, so optimistic writes only ever conflict with
 * other nodes. Keys are forgotten once their queue is empty. With `maxWaitMs`, a task that waited longer
 * than that for its turn is refused with `tooLate()` instead of run.
 */
export function createKeyedQueue(options: { maxWaitMs?: number; tooLate?: () => Error } = {}) {
  const tails = new Map<string, Promise<unknown>>();
  const { maxWaitMs = Number.POSITIVE_INFINITY, tooLate = () => new Error('waited too long in the queue') } = options;
  return function run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    const queuedAt = performance.now();
    // A task whose turn comes too late (the one before waited on slow storage) fails instead of
    // adding its own wait: its caller hears at once and can retry, and the queue drains.
    const start = () => (performance.now() - queuedAt > maxWaitMs ? Promise.reject(tooLate()) : task());
    const result = previous.then(start, start);
    const tail = result.catch(() => {});
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  };
}
