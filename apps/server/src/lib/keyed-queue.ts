/**
 * Runs tasks of the same key one after another (tasks of different keys run freely): on one node, two
 * commands of the same user never race on the same row, so optimistic writes only ever conflict with
 * other nodes. Keys are forgotten once their queue is empty. With `maxWaitMs`, a task whose turn has not
 * come within that time is refused with `tooLate()` then, and never runs.
 */
export function createKeyedQueue(options: { maxWaitMs?: number; tooLate?: () => Error } = {}) {
  const tails = new Map<string, Promise<unknown>>();
  const { maxWaitMs = Number.POSITIVE_INFINITY, tooLate = () => new Error('waited too long in the queue') } = options;
  return function run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    // A task still waiting when its time is up (the one before waits on slow storage) fails then, not
    // when that one ends: its caller hears within maxWaitMs and can retry, and the queue drains.
    let refuse: (err: Error) => void = () => {};
    const refused = new Promise<never>((_, reject) => {
      refuse = reject;
    });
    let late = false;
    const timer = Number.isFinite(maxWaitMs)
      ? setTimeout(() => {
          late = true;
          refuse(tooLate());
        }, maxWaitMs)
      : undefined;
    const start = () => {
      clearTimeout(timer);
      return late ? undefined : task();
    };
    // The task's own run (nothing, once refused): the next task of the key waits for this, not for the refusal.
    const ran = previous.then(start, start);
    const result = Promise.race([ran as Promise<T>, refused]);
    const tail = ran.catch(() => {});
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  };
}
