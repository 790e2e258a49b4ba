import { randomBytes } from 'node:crypto';
import { CHAT_LIMITS, type SessionGrant } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { spaceRoom } from '../../../server/src/io/rooms';
import { connect, join, send, type TestClient, uniqueSpace } from '../../../server/test/helpers';
import { buildLogRows, localDay } from '../features/chat/lib/log-rows';
import { withAppOnServer } from './test-server';

// The real Huddle server, in this process, and the app's real socket bridge connecting to it.
// Bo sends hundreds of messages in a row.
const huddle = withAppOnServer({ chatSendRate: { burst: 1000, perSecond: 1000 } });
const otherTabs = huddle.tabs;

const GENERAL = 'c:general';
/** More than one history page, so catching up has to huddle.page. */
const MISSED = CHAT_LIMITS.maxPageSize + 50;

/** Ana in this page, Bo in a tab of his own, in a new space. */
async function anaAndBo(): Promise<{ ana: SessionGrant; bo: TestClient }> {
  const space = uniqueSpace('gaps');
  const ana = await join(huddle.server.url, space, 'Ana');
  const bo = (await connect(huddle.server.url, (await join(huddle.server.url, space, 'Bo')).token)).socket;
  otherTabs.push(bo);
  return { ana, bo };
}

/** Bo sends `count` messages, one after another, each stored before the next: "m<seq>". */
async function boSends(bo: TestClient, fromSeq: number, count: number): Promise<void> {
  for (let seq = fromSeq; seq < fromSeq + count; seq += 1) {
    const ack = await send(bo, 'chat:send', {
      conversationId: GENERAL,
      clientId: randomBytes(8).toString('hex'),
      text: `m${seq}`,
    });
    expect(ack).toMatchObject({ ok: true, data: { seq } });
  }
}

/** Opens the space in this page and waits until general shows the messages stored so far. */
async function openSpace(ana: SessionGrant, storedSoFar: number): Promise<void> {
  huddle.page.useSessionStore.getState().saveGrant(ana);
  huddle.page.bridge.openSpaceConnection(ana.space, ana.token);
  await expect.poll(() => general()?.loaded, { timeout: 10_000 }).toBe(true);
  expect(seqs()).toEqual(upTo(storedSoFar));
}

/** This page's tab, as the server holds it: taken out of the space room it misses every broadcast. */
function serverSideOfPage() {
  const socket = huddle.server.app.io.sockets.sockets.get(huddle.page.socket.id ?? '');
  if (socket === undefined) throw new Error('the page is not connected');
  return socket;
}

const general = () => huddle.page.useChatStore.getState().conversations?.[GENERAL];
const seqs = () => general()?.messages.map((m) => m.seq);
const upTo = (last: number) => Array.from({ length: last }, (_, i) => i + 1);
/** The texts the message log shows, top to bottom, built as MessageLog builds its rows. */
function shownTexts(): string[] {
  const conversation = general();
  if (conversation === undefined) return [];
  const { messages, outgoing, hasOlder } = conversation;
  const rows = buildLogRows({ messages, outgoing, notices: [], hasOlder }, localDay);
  return rows.flatMap((row) => (row.kind === 'message' ? [row.text] : []));
}

describe('socket bridge: chat gap filling against the real server', { timeout: 60_000 }, () => {
  it('after a reconnect, pages chat:history from the last message held until nothing is missing', async () => {
    const { ana, bo } = await anaAndBo();
    await boSends(bo, 1, 3);
    await openSpace(ana, 3);

    // The page hears nothing of what Bo sends next, then its connection drops.
    const tab = serverSideOfPage();
    await tab.leave(spaceRoom(ana.space));
    await boSends(bo, 4, MISSED);
    expect(seqs()).toEqual(upTo(3));
    tab.conn.close();
    await expect.poll(() => huddle.page.useConnectionStore.getState().phase, { timeout: 10_000 }).toBe('reconnecting');

    // Nothing arrives live now: only the catch-up on the conversation list after the reconnect fills this.
    await expect.poll(seqs, { timeout: 20_000 }).toEqual(upTo(3 + MISSED));
    expect(huddle.page.useConnectionStore.getState().phase).toBe('connected');

    await boSends(bo, 4 + MISSED, 5);
    const last = 3 + MISSED + 5;
    await expect.poll(seqs, { timeout: 10_000 }).toEqual(upTo(last));
    expect(shownTexts()).toEqual(upTo(last).map((seq) => `m${seq}`));
  });

  it('a live message past a gap: pages chat:history from the last contiguous one, each message shown once', async () => {
    const { ana, bo } = await anaAndBo();
    await boSends(bo, 1, 3);
    await openSpace(ana, 3);

    // Broadcasts lost on the way, the connection itself fine: the page sees the gap only at the next message.
    const tab = serverSideOfPage();
    await tab.leave(spaceRoom(ana.space));
    await boSends(bo, 4, MISSED);
    await tab.join(spaceRoom(ana.space));
    expect(seqs()).toEqual(upTo(3));
    // One live message past the gap, and nothing after it: its arrival alone must fill the gap, page by
    // huddle.page. It also comes in the last page: held once.
    await boSends(bo, 4 + MISSED, 1);
    await expect.poll(seqs, { timeout: 20_000 }).toEqual(upTo(4 + MISSED));

    await boSends(bo, 5 + MISSED, 4);
    const last = 3 + MISSED + 5;
    await expect.poll(seqs, { timeout: 10_000 }).toEqual(upTo(last));
    expect(shownTexts()).toEqual(upTo(last).map((seq) => `m${seq}`));
    expect(huddle.page.useConnectionStore.getState().phase).toBe('connected');
  });
});
