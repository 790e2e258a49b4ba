import { DEFAULT_POMODORO_SETTINGS, type PomodoroSettings, PomodoroState } from '@huddle/protocol';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database.js';
import { initialPomodoro, type Pomodoro, press } from '../src/features/pomodoro/pomodoro.machine.js';
import { createPomodoroService } from '../src/features/pomodoro/pomodoro.service.js';
import { createPomodoroStore } from '../src/features/pomodoro/pomodoro.store.js';
import { createUserStore } from '../src/session/user.store.js';
import { createSpaceStore } from '../src/space/space.store.js';
import { storageBackends, useStorage } from './helpers.js';

/** A pomodoro service on `db`, as one server process would run it. */
function serviceOn(db: Db, defaults: PomodoroSettings, onChange: (p: Pomodoro) => void) {
  return createPomodoroService({
    store: createPomodoroStore(db, Date.now),
    clock: { now: Date.now },
    logger: pino({ level: 'silent' }),
    defaults,
    onChange,
  });
}

/** `name` acting in `space` (a pomodoro records who pressed by name). */
const actor = (space: string, name: string) => ({ user: { id: `u-${name}`, name }, space });

describe.each(storageBackends)('storage on $name', (backend) => {
  const storage = useStorage(backend);
  const T0 = 1_800_000_000_000;

  it('migrations are idempotent: reopening an existing database works and keeps its data', async () => {
    await createSpaceStore(storage.db).create('reopened', 'open', T0);
    await createUserStore(storage.db).create({ id: 'u-kept', space: 'reopened', name: 'Kept', createdAt: T0 });
    const again = await storage.reopen();
    try {
      expect(await createUserStore(again).findByName('reopened', 'Kept')).toMatchObject({ id: 'u-kept' });
    } finally {
      await again.destroy();
    }
  });

  it('users: unique names per space regardless of case, same name allowed in another space', async () => {
    const users = createUserStore(storage.db);
    await createSpaceStore(storage.db).create('alpha', 'open', T0);
    await createSpaceStore(storage.db).create('alpha', 'open', T0 + 1);
    await createSpaceStore(storage.db).create('beta', 'open', T0);
    const ana = await users.create({ id: 'u-ana', space: 'alpha', name: 'Ana', createdAt: T0 });
    expect(ana?.name).toBe('Ana');
    expect(await users.create({ id: 'u-ana2', space: 'alpha', name: 'ANA', createdAt: T0 })).toBeNull();
    expect(await users.create({ id: 'u-ana3', space: 'alpha', name: 'Ａｎａ', createdAt: T0 })).toBeNull();
    expect(await users.create({ id: 'u-ana4', space: 'beta', name: 'Ana', createdAt: T0 })).not.toBeNull();
    expect(await users.findByName('alpha', 'ana')).toEqual({
      id: 'u-ana',
      space: 'alpha',
      name: 'Ana',
      createdAt: T0,
      sessionsValidAfter: 0,
      sessionVersion: 0,
      role: 'member',
      removedAt: null,
      blocked: false,
    });
    expect(await users.findById('u-ana4')).toMatchObject({ space: 'beta' });
    expect(await users.findById('nobody')).toBeNull();
  });

  it('pomodoro: round-trips every field, including large epoch deadlines', async () => {
    await createSpaceStore(storage.db).create('round', 'open', T0);
    const store = createPomodoroStore(storage.db, () => T0);
    const start = initialPomodoro('round', DEFAULT_POMODORO_SETTINGS);
    await store.insertIfAbsent(start);
    await store.insertIfAbsent({ ...start, completedPomodoros: 99 });
    expect(await store.get('round')).toEqual(start);
    const working = press(start, T0, 'Ana');
    expect(await store.update(working, 0)).toBe(true);
    const stored = await store.get('round');
    expect(stored).toEqual(working);
    expect(typeof stored?.endsAt).toBe('number');
    expect(await store.listDeadlines()).toContainEqual({ space: 'round', endsAt: T0 + 25 * 60_000 });
  });

  it('pomodoro: a write against a stale version is refused', async () => {
    await createSpaceStore(storage.db).create('stale', 'open', T0);
    const store = createPomodoroStore(storage.db, () => T0);
    const start = initialPomodoro('stale', DEFAULT_POMODORO_SETTINGS);
    await store.insertIfAbsent(start);
    expect(await store.update(press(start, T0, 'Ana'), 0)).toBe(true);
    expect(await store.update(press(start, T0 + 5, 'Bo'), 0)).toBe(false);
    expect((await store.get('stale'))?.activity?.actor).toBe('Ana');
  });

  it('concurrent presses from two services on one database make one transition', async () => {
    await createSpaceStore(storage.db).create('race', 'open', T0);
    const changes: number[] = [];
    const make = () => serviceOn(storage.db, DEFAULT_POMODORO_SETTINGS, (p) => changes.push(p.version));
    const [a, b] = [make(), make()];
    await a.get('race');
    const results = await Promise.allSettled([a.press(actor('race', 'Ana')), b.press(actor('race', 'Bo'))]);
    a.stop();
    b.stop();
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({
      reason: { code: 'INVALID_TRANSITION' },
    });
    expect(changes).toEqual([1]);
    expect((await a.get('race')).state).toBe(PomodoroState.WORK);
  });

  it('a deadline armed in two services is applied exactly once', async () => {
    await createSpaceStore(storage.db).create('once', 'open', T0);
    const applied: number[] = [];
    const make = () =>
      serviceOn(storage.db, { ...DEFAULT_POMODORO_SETTINGS, workSeconds: 1 }, (p) => {
        if (p.state === PomodoroState.BREAK_ALARM) applied.push(p.version);
      });
    const [a, b] = [make(), make()];
    await a.press(actor('once', 'Ana'));
    await b.start(); // b arms the same deadline from storage
    await expect.poll(() => applied.length, { timeout: 5000 }).toBe(1);
    const final = await a.get('once');
    a.stop();
    b.stop();
    expect(final).toMatchObject({ state: PomodoroState.BREAK_ALARM, completedPomodoros: 1, version: 2 });
    expect(applied).toEqual([2]);
  });
});
