import {
  CLICKER_LIMITS,
  type ClickerBoard,
  type ClickerPlayer,
  type ClickerPurchase,
  type ClickResult,
  goldAt,
  MILLI,
} from '@huddle/protocol';
import { create } from 'zustand';

/** Clicks sent to the server and not yet acknowledged. */
export interface ClickBatch {
  count: number;
  /** Version of the player the batch was sent against: a newer player already counts it. */
  baseVersion: number;
}

/** Clicks that were made here but not credited: over the human rate, or lost on the way. */
export interface ClickNotice {
  /** Distinguishes two notices with the same text, so the newer one is shown for its full time. */
  id: number;
  reason: 'discarded' | 'lost';
  count: number;
}

interface ClickerStoreState {
  /** This user's game, as the server last told it. */
  player: ClickerPlayer | null;
  /** Set on (re)connect: the first player after it is taken whatever its version. */
  acceptAnyVersion: boolean;
  board: ClickerBoard | null;
  /** Purchases in the space, newest first, as many as the server keeps. */
  feed: ClickerPurchase[];
  /**
   * Live purchases since the last connect, until that connection's feed snapshot arrives: the snapshot
   * is read before they are sent, so it may miss them.
   */
  liveBeforeFeed: ClickerPurchase[] | null;
  /** Clicks counted here and not yet sent. */
  queuedClicks: number;
  inFlight: ClickBatch | null;
  notice: ClickNotice | null;
  receivePlayer: (player: ClickerPlayer) => void;
  receiveBoard: (board: ClickerBoard) => void;
  receiveFeed: (purchases: ClickerPurchase[]) => void;
  receivePurchase: (purchase: ClickerPurchase) => void;
  countClick: () => void;
  /** Moves up to `max` queued clicks into a batch in flight; null when nothing can be sent now. */
  startBatch: (max: number) => ClickBatch | null;
  /** Settles a batch with the server's result, or null when it failed; a batch from before `clear` is ignored. */
  finishBatch: (batch: ClickBatch, result: ClickResult | null) => void;
  dismissNotice: (id: number) => void;
  expectFreshSnapshot: () => void;
  clear: () => void;
}

const EMPTY = {
  player: null,
  acceptAnyVersion: true,
  board: null,
  feed: [],
  liveBeforeFeed: [],
  queuedClicks: 0,
  inFlight: null,
  notice: null,
} satisfies Partial<ClickerStoreState>;

let noticeIds = 0;

export const useClickerStore = create<ClickerStoreState>()((set, get) => ({
  ...EMPTY,
  receivePlayer: (player) =>
    set((state) => {
      const held = state.player;
      if (!state.acceptAnyVersion && held !== null && player.version < held.version) return state;
      return { player, acceptAnyVersion: false };
    }),
  receiveBoard: (board) => set((state) => (state.board !== null && board.at < state.board.at ? state : { board })),
  receiveFeed: (purchases) =>
    set((state) => ({ feed: newestPurchases([...(state.liveBeforeFeed ?? []), ...purchases]), liveBeforeFeed: null })),
  receivePurchase: (purchase) =>
    set((state) => ({
      feed: newestPurchases([purchase, ...state.feed]),
      liveBeforeFeed: state.liveBeforeFeed === null ? null : [...state.liveBeforeFeed, purchase],
    })),
  countClick: () => set((state) => ({ queuedClicks: state.queuedClicks + 1 })),
  startBatch: (max) => {
    const { queuedClicks, inFlight, player } = get();
    if (inFlight !== null || queuedClicks === 0 || player === null) return null;
    const batch = { count: Math.min(queuedClicks, max), baseVersion: player.version };
    set({ queuedClicks: queuedClicks - batch.count, inFlight: batch });
    return batch;
  },
  finishBatch: (batch, result) => {
    if (get().inFlight !== batch) return;
    set({ inFlight: null });
    if (result !== null) get().receivePlayer(result.player);
    const uncounted = result === null ? batch.count : result.discarded;
    if (uncounted > 0) {
      noticeIds += 1;
      set({ notice: { id: noticeIds, reason: result === null ? 'lost' : 'discarded', count: uncounted } });
    }
  },
  dismissNotice: (id) => set((state) => (state.notice?.id === id ? { notice: null } : state)),
  expectFreshSnapshot: () => set({ acceptAnyVersion: true, liveBeforeFeed: [] }),
  clear: () => set(EMPTY),
}));

/** Clicks made here that the player held does not count yet: queued ones, and a batch still in flight. */
export function pendingClicks(state: Pick<ClickerStoreState, 'player' | 'queuedClicks' | 'inFlight'>): number {
  const { player, queuedClicks, inFlight } = state;
  // The player broadcast for a batch arrives just before its ack: once it has, the batch is in the gold.
  const unsettled = inFlight !== null && (player === null || player.version <= inFlight.baseVersion);
  return queuedClicks + (unsettled ? inFlight.count : 0);
}

/**
 * Milligold to show at `serverNow`: the server's gold plus the clicks it has not counted yet. The server
 * is the truth; its next answer replaces the guess.
 */
export function optimisticGoldMilli(
  state: Pick<ClickerStoreState, 'player' | 'queuedClicks' | 'inFlight'>,
  serverNow: number,
): number | null {
  const { player } = state;
  if (player === null) return null;
  return goldAt(player, serverNow) + pendingClicks(state) * player.perClick * MILLI;
}

function purchaseKey(purchase: ClickerPurchase): string {
  return `${purchase.user.id}:${purchase.item}:${purchase.at}`;
}

function newestPurchases(purchases: ClickerPurchase[]): ClickerPurchase[] {
  const seen = new Set<string>();
  const unique = purchases.filter((purchase) => {
    const key = purchaseKey(purchase);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) => b.at - a.at).slice(0, CLICKER_LIMITS.feedSize);
}
