import {
  CLICKER_LIMITS,
  type ClickerBoard,
  type ClickerFeed,
  type ClickerItemId,
  type ClickerPlayer,
  type ClickerPurchase,
  type ClickResult,
  ErrorCode,
} from '@huddle/protocol';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import { AppError } from '../../errors.js';
import { createCoalescer } from '../../lib/coalescer.js';
import { createKeyedQueue } from '../../lib/keyed-queue.js';
import type { Actor } from '../../session/session.service.js';
import { buy, click, initialPlayer, type PlayerState, publicPlayer } from './clicker.economy.js';
import type { ClickerStore, StoredPurchase } from './clicker.store.js';

const MAX_ATTEMPTS = 8;

/** One change to a player: the new state, or `unchanged` for nothing to write. */
type MutationStep<R> = (
  player: PlayerState,
  now: number,
) => { player: PlayerState; result: R; purchase?: StoredPurchase; unchanged?: boolean };

export interface ClickerServiceDeps {
  store: ClickerStore;
  clock: Clock;
  logger: Logger;
  /** A player's game changed: for all of their tabs. */
  onPlayer(player: ClickerPlayer): void;
  /** The space's ranking may have changed; called a few times a second at most per space. */
  onLeaderboard(space: string, board: ClickerBoard): void;
  onPurchase(space: string, purchase: ClickerPurchase): void;
}

/**
 * The server owns every economy: each change is read → apply (pure, `clicker.economy.ts`) →
 * conditional write on `version`, retried on conflict, so two tabs never spend the same gold twice.
 */
export function createClickerService({
  store,
  clock,
  logger,
  onPlayer,
  onLeaderboard,
  onPurchase,
}: ClickerServiceDeps) {
  async function load({ user, space }: Actor): Promise<PlayerState> {
    const found = await store.get(user.id);
    if (found) return found;
    await store.insertIfAbsent(initialPlayer(user, space, clock.now()));
    const created = await store.get(user.id);
    if (!created) throw new Error(`clicker player ${user.id} vanished after insert`);
    return created;
  }

  async function board(space: string): Promise<ClickerBoard> {
    const at = clock.now();
    return { leaderboard: await store.leaderboard(space, at, CLICKER_LIMITS.leaderboardSize), at };
  }

  const leaderboards = createCoalescer({
    intervalMs: 1000 / CLICKER_LIMITS.leaderboardUpdatesPerSecond,
    flush: async (space) => onLeaderboard(space, await board(space)),
    onError: (err, space) => logger.error({ err, space }, 'leaderboard update failed'),
  });

  // A command that cannot start within 2 s (the one before waits on slow storage) is answered
  // UNAVAILABLE then: nothing queues up behind an outage, and the client's 5 s ack timeout is kept.
  const perUser = createKeyedQueue({
    maxWaitMs: 2000,
    tooLate: () => new AppError(ErrorCode.Unavailable, 'The game is busy; nothing was changed, try again'),
  });

  /** `done` tells, before each attempt, whether the change is already stored (a retried purchase), and its result. */
  async function mutate<R>(
    actor: Actor,
    step: MutationStep<R>,
    done?: () => Promise<R | undefined>,
  ): Promise<{ player: PlayerState; result: R }> {
    // One user's commands run one at a time on this node; retries only settle races with other nodes.
    return perUser(actor.user.id, () => attemptMutation(actor, step, done));
  }

  async function attemptMutation<R>(
    actor: Actor,
    step: MutationStep<R>,
    done?: () => Promise<R | undefined>,
  ): Promise<{ player: PlayerState; result: R }> {
    const { space } = actor;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const already = await done?.();
      if (already !== undefined) return { player: await load(actor), result: already };
      const current = await load(actor);
      const { player, result, purchase, unchanged } = step(current, clock.now());
      // Nothing credited (an auto-clicker over its allowance): no write, no broadcast.
      if (unchanged) return { player: current, result };
      const next = { ...player, version: current.version + 1 };
      const outcome = await store.update(next, current.version, purchase);
      // 'stale' (another node changed the player first) and 'duplicate' (a retry of this purchase was
      // stored first, found by `done` next time) try again.
      if (outcome === 'updated') {
        onPlayer(publicPlayer(next));
        leaderboards.mark(space, 'all');
        if (purchase) {
          const { clientId: _, ...shown } = purchase;
          onPurchase(space, shown);
        }
        return { player: next, result };
      }
    }
    throw new AppError(ErrorCode.Conflict, 'Your game is changing too fast; try again');
  }

  return {
    async player(actor: Actor): Promise<ClickerPlayer> {
      return publicPlayer(await load(actor));
    },

    board,

    async feed(space: string): Promise<ClickerFeed> {
      return { purchases: await store.recentPurchases(space, CLICKER_LIMITS.feedSize) };
    },

    async click(actor: Actor, count: number): Promise<ClickResult> {
      const { player, result } = await mutate(actor, (current, now) => {
        const r = click(current, count, now);
        return {
          player: r.player,
          result: { credited: r.credited, discarded: r.discarded },
          unchanged: r.credited === 0,
        };
      });
      return { ...result, player: publicPlayer(player) };
    },

    /**
     * Buys one item. A retry (same `clientId`) of a purchase already stored changes nothing and gets the
     * player as it is now: the item was charged once, by the first.
     */
    async buy(actor: Actor, item: ClickerItemId, clientId: string): Promise<ClickerPlayer> {
      const { player } = await mutate(
        actor,
        (current, now) => {
          const r = buy(current, item, now);
          const purchase = { user: actor.user, item, price: r.price, at: now, clientId };
          return { player: r.player, result: null, purchase };
        },
        async () => ((await store.hasPurchase(actor.user.id, clientId)) ? null : undefined),
      );
      return publicPlayer(player);
    },

    /** Drops a deleted space's pending leaderboard update. */
    forget(space: string): void {
      leaderboards.forget(space);
    },

    stop(): Promise<void> {
      return leaderboards.stop();
    },
  };
}

export type ClickerService = ReturnType<typeof createClickerService>;
