import { ErrorCode, type PomodoroSettings } from '@huddle/protocol';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import { AppError } from '../../errors.js';
import type { Actor } from '../../session/session.service.js';
import type { Pomodoro } from './pomodoro.machine.js';
import * as machine from './pomodoro.machine.js';
import type { PomodoroStore } from './pomodoro.store.js';

type Step = (current: Pomodoro, now: number) => Pomodoro | null;

const MAX_ATTEMPTS = 8;
const RETRY_FAILED_EXPIRY_MS = 1000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface PomodoroServiceDeps {
  store: PomodoroStore;
  clock: Clock;
  logger: Logger;
  /** Settings of a space's first pomodoro. */
  defaults: PomodoroSettings;
  /** Called once per stored change, to broadcast it. */
  onChange(pomodoro: Pomodoro): void;
}

/**
 * Applies the state machine to stored pomodoros. Every change is a read → apply → conditional write on
 * `version`, so concurrent commands (or several processes on one database) never lose an update and each
 * deadline is applied once. One timer per running deadline triggers its expiry; nothing ticks.
 */
export function createPomodoroService(deps: PomodoroServiceDeps) {
  const { store, clock, logger, defaults, onChange } = deps;
  const timers = new Map<string, { timer: NodeJS.Timeout; version: number }>();
  // Deleted spaces whose failing expiry must not be retried; cleared when the name is used (armed) again.
  const forgotten = new Set<string>();
  let stopped = false;

  async function load(space: string): Promise<Pomodoro> {
    const found = await store.get(space);
    if (found) return found;
    await store.insertIfAbsent(machine.initialPomodoro(space, defaults));
    const created = await store.get(space);
    if (!created) throw new Error(`pomodoro of ${space} vanished after insert`);
    return created;
  }

  /** Runs `step` on the current state (after any due expiry) and stores the result if it changed. */
  async function mutate(space: string, step: Step): Promise<Pomodoro> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await load(space);
      const now = clock.now();
      const afterExpiry = machine.expireIfDue(current, now) ?? current;
      const next = step(afterExpiry, now) ?? afterExpiry;
      if (next === current) {
        arm(current);
        return current;
      }
      if (await store.update(next, current.version)) {
        arm(next);
        onChange(next);
        return next;
      }
    }
    throw new AppError(ErrorCode.Conflict, 'The timer is changing too fast, try again');
  }

  /** Arms the deadline of `p`, unless a newer version of that space is already armed (a stale read). */
  function arm(p: Pomodoro): void {
    forgotten.delete(p.space);
    const armed = timers.get(p.space);
    if (armed && armed.version > p.version) return;
    clearTimeout(armed?.timer);
    timers.delete(p.space);
    if (stopped || p.endsAt === null) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, p.endsAt - clock.now()));
    const timer = setTimeout(() => void expire(p.space), delay);
    timer.unref();
    timers.set(p.space, { timer, version: p.version });
  }

  async function expire(space: string): Promise<void> {
    timers.delete(space);
    try {
      await mutate(space, () => null);
    } catch (err) {
      if (forgotten.delete(space)) return;
      logger.error({ err, space }, 'pomodoro expiry failed; retrying');
      if (stopped) return;
      const retry = setTimeout(() => void expire(space), RETRY_FAILED_EXPIRY_MS);
      retry.unref();
      timers.set(space, { timer: retry, version: -1 });
    }
  }

  return {
    /**
     * Current state of a space (created on first use), with any passed deadline applied. Keyed by space,
     * not actor: another node's change and a snapshot read it for nobody in particular.
     */
    get: (space: string) => mutate(space, () => null),
    press: ({ space, user }: Actor) => mutate(space, (p, now) => machine.press(p, now, user.name)),
    pause: ({ space, user }: Actor) => mutate(space, (p, now) => machine.pause(p, now, user.name)),
    resume: ({ space, user }: Actor) => mutate(space, (p, now) => machine.resume(p, now, user.name)),
    reset: ({ space, user }: Actor) => mutate(space, (p, now) => machine.reset(p, now, user.name)),
    changeSettings: ({ space, user }: Actor, settings: PomodoroSettings) =>
      mutate(space, (p, now) => machine.changeSettings(p, settings, now, user.name)),

    /** Re-arms every stored deadline; one that passed while the server was down expires right away. */
    async start(): Promise<void> {
      for (const { space } of await store.listDeadlines()) {
        await expire(space);
      }
    },

    /** Disarms a deleted space's deadline on this node (and an expiry failing meanwhile is not retried). */
    forget(space: string): void {
      clearTimeout(timers.get(space)?.timer);
      timers.delete(space);
      forgotten.add(space);
    },

    stop(): void {
      stopped = true;
      for (const { timer } of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}

export type PomodoroService = ReturnType<typeof createPomodoroService>;
