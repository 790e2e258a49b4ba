import { type Ack, CLICKER_LIMITS, type ClickerItemId, type ClickerPlayer, ErrorCode } from '@huddle/protocol';
import { newClientId } from '../../lib/client-id';
import { isStaleAck, STALE_ACK, sendCommand } from '../../lib/socket';
import { sameSpaceEpoch } from '../../lib/space-epoch';
import { type ClickBatch, useClickerStore } from './stores/clicker-store';

/** Clicks wait this long to travel together: a few messages a second however fast the player is. */
export const CLICK_FLUSH_MS = 250;
/** How long a note about uncounted clicks stays up; it fades out over the end of it. */
export const CLICK_NOTICE_MS = 4000;

let flushTimer: ReturnType<typeof setTimeout> | undefined;
/** The batch on its way and the settling of its ack. */
let sending: { batch: ClickBatch; settled: Promise<void> } | null = null;

/** Counts one click; it reaches the server with the next batch. */
export function mineGold(): void {
  const store = useClickerStore.getState();
  store.countClick();
  if (useClickerStore.getState().queuedClicks >= CLICKER_LIMITS.maxBatch) void flushClicks();
  else scheduleFlush();
}

/**
 * The client id of each item's purchase that got no answer (a timeout, a dropped connection): it may
 * have been charged, so buying that item again is its retry, with the same id, and the server charges
 * it once. Any answer ends it.
 */
const unanswered = new Map<ClickerItemId, string>();

/** Buys one item once the clicks made before it are counted, so the gold on screen is the gold spent. */
export async function buyItem(item: ClickerItemId): Promise<Ack<ClickerPlayer>> {
  const current = sameSpaceEpoch();
  // The first flush waits for a batch already in flight, the second sends what queued up behind it.
  await flushClicks();
  await flushClicks();
  // Left the space meanwhile: the purchase was meant for that one.
  if (!current()) return STALE_ACK;
  const clientId = unanswered.get(item) ?? newClientId();
  const ack = await sendCommand('clicker:buy', { item, clientId });
  if (!ack.ok && ack.error.code === ErrorCode.Timeout && !isStaleAck(ack)) unanswered.set(item, clientId);
  else unanswered.delete(item);
  if (ack.ok) useClickerStore.getState().receivePlayer(ack.data);
  return ack;
}

function scheduleFlush(): void {
  flushTimer ??= setTimeout(() => {
    flushTimer = undefined;
    void flushClicks();
  }, CLICK_FLUSH_MS);
}

/** Sends the queued clicks unless a batch is in flight (its ack sends the rest); resolves once settled. */
function flushClicks(): Promise<void> {
  const store = useClickerStore.getState();
  if (sending !== null && store.inFlight === sending.batch) return sending.settled;
  const batch = store.startBatch(CLICKER_LIMITS.maxBatch);
  if (batch === null) return Promise.resolve();
  clearTimeout(flushTimer);
  flushTimer = undefined;
  const settled = sendBatch(batch);
  sending = { batch, settled };
  return settled;
}

async function sendBatch(batch: ClickBatch): Promise<void> {
  const ack = await sendCommand('clicker:click', { count: batch.count });
  const before = useClickerStore.getState().notice;
  useClickerStore.getState().finishBatch(batch, ack.ok ? ack.data : null);
  const { notice } = useClickerStore.getState();
  if (notice !== null && notice !== before) {
    setTimeout(() => useClickerStore.getState().dismissNotice(notice.id), CLICK_NOTICE_MS);
  }
  if (sending?.batch === batch) sending = null;
  const { queuedClicks } = useClickerStore.getState();
  if (queuedClicks >= CLICKER_LIMITS.maxBatch) void flushClicks();
  else if (queuedClicks > 0) scheduleFlush();
}
