import { describe, expect, it } from 'vitest';
import { createKeyedQueue } from './keyed-queue.js';

describe('keyed queue', () => {
  it('runs tasks of one key in order, one at a time, and other keys alongside', async () => {
    const queue = createKeyedQueue();
    const log: string[] = [];
    const task = (name: string, ms: number) => () =>
      new Promise<string>((resolve) => {
        log.push(`start ${name}`);
        setTimeout(() => {
          log.push(`end ${name}`);
          resolve(name);
        }, ms);
      });
    const results = await Promise.all([
      queue('ana', task('a1', 20)),
      queue('ana', task('a2', 1)),
      queue('bo', task('b1', 5)),
    ]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
  });

  it('goes on after a failed task', async () => {
    const queue = createKeyedQueue();
    const failed = queue('ana', async () => {
      throw new Error('boom');
    });
    await expect(failed).rejects.toThrow('boom');
    await expect(queue('ana', async () => 'next')).resolves.toBe('next');
  });

  it('refuses a task whose turn has not come within maxWaitMs then, never runs it, and runs the next one on time', async () => {
    const queue = createKeyedQueue({ maxWaitMs: 30, tooLate: () => new Error('too late') });
    const ran: string[] = [];
    let slowDone = false;
    const slow = queue('ana', () => new Promise<void>((resolve) => setTimeout(resolve, 300))).then(() => {
      slowDone = true;
    });
    const late = queue('ana', async () => {
      ran.push('late');
    });
    await expect(late).rejects.toThrow('too late');
    // Refused while the task ahead still runs, not when it ends.
    expect(slowDone).toBe(false);
    await slow;
    await queue('ana', async () => {
      ran.push('on time');
    });
    expect(ran).toEqual(['on time']);
  });
});
