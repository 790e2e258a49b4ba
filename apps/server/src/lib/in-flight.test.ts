import { describe, expect, it } from 'vitest';
import { createInFlight } from './in-flight.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('in-flight work', () => {
  it('settles once everything started has settled, failures included', async () => {
    const inFlight = createInFlight();
    const first = deferred();
    const second = deferred();
    inFlight.run(() => first.promise);
    inFlight.run(() => second.promise);
    let settled = false;
    const waiting = inFlight.settled().then(() => {
      settled = true;
    });
    first.resolve();
    await first.promise;
    expect(settled).toBe(false);
    second.reject(new Error('its own to handle'));
    await waiting;
    expect(settled).toBe(true);
  });

  it('settles at once when nothing runs', async () => {
    const inFlight = createInFlight();
    let settled = false;
    const waiting = inFlight.settled().then(() => {
      settled = true;
    });
    await waiting;
    expect(settled).toBe(true);
  });
});
