import type { SessionGrant } from '@huddle/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHuddle } from '../../../server/src/server';
import {
  connect,
  join,
  send,
  startTestServer,
  type TestClient,
  tempDir,
  uniqueSpace,
} from '../../../server/test/helpers';
import { type AppPage, openAppPage } from './test-page';

// The real Huddle server, in this process, and the app's real socket bridge and feature list: the page
// is Bo's, and Ana (the owner) acts from a client of her own.
const data = tempDir('huddle-web-session-ended-');
let server: RunningHuddle;
let page: AppPage;
const owners: TestClient[] = [];

beforeAll(async () => {
  server = await startTestServer({ dataDir: data.dir });
  page = await openAppPage(server.url);
}, 30_000);

afterEach(() => {
  page.bridge.closeSpaceConnection();
  for (const owner of owners.splice(0)) owner.disconnect();
});

afterAll(async () => {
  await server?.stop();
  data.remove();
});

/** Ana owns a new space, Bo has joined it, and the page has opened it as Bo. */
async function boInAnasSpace(): Promise<{ bo: SessionGrant; ana: TestClient }> {
  const space = uniqueSpace('ended');
  const ana = await join(server.url, space, 'Ana');
  const bo = await join(server.url, space, 'Bo');
  const { socket } = await connect(server.url, ana.token);
  owners.push(socket);
  page.useSessionStore.getState().saveGrant(bo);
  page.bridge.openSpaceConnection(space, bo.token);
  await expect.poll(() => page.useConnectionStore.getState().phase).toBe('connected');
  return { bo, ana: socket };
}

const session = () => page.useSessionStore.getState();

describe('socket bridge: the server ends the session', { timeout: 30_000 }, () => {
  it('removed with a block: the page forgets the session, remembers the removal, and the token is refused', async () => {
    const { bo, ana } = await boInAnasSpace();
    // The welcome renewed the token: the one held now is the one to remember.
    const held = session().grants[bo.space]?.token;
    expect((await send(ana, 'space:remove-member', { userId: bo.user.id, block: true })).ok).toBe(true);

    await expect.poll(() => session().ended[bo.space]?.reason).toBe('removed');
    expect(session().grants[bo.space]).toBeUndefined();
    expect(session().ended[bo.space]?.token).toBe(held);
    expect(page.socket.connected).toBe(false);
    expect(page.useConnectionStore.getState().phase).toBe('idle');

    // The join form sends the remembered token: the server refuses this browser.
    const again = await fetch(`${server.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ space: bo.space, name: 'Bo', token: session().ended[bo.space]?.token }),
    });
    expect(again.status).toBe(403);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('REMOVED');
  });

  it('a handshake refused as REMOVED (the removal happened while the page was away) ends it the same way', async () => {
    const { bo, ana } = await boInAnasSpace();
    page.bridge.closeSpaceConnection();
    expect((await send(ana, 'space:remove-member', { userId: bo.user.id, block: false })).ok).toBe(true);

    page.useSessionStore.getState().saveGrant(bo);
    page.bridge.openSpaceConnection(bo.space, bo.token);
    await expect.poll(() => session().ended[bo.space]?.reason).toBe('removed');
    expect(session().grants[bo.space]).toBeUndefined();
    expect(page.useConnectionStore.getState().phase).toBe('idle');
  });

  it('the space deleted: the page says so', async () => {
    const { bo, ana } = await boInAnasSpace();
    expect((await send(ana, 'space:delete', { confirm: bo.space })).ok).toBe(true);
    await expect.poll(() => session().ended[bo.space]?.reason).toBe('space-deleted');
    expect(session().grants[bo.space]).toBeUndefined();
  });

  it('left: back to the join form with a notice, and no reconnect', async () => {
    const { bo } = await boInAnasSpace();
    expect((await page.sendCommand('space:leave', {})).ok).toBe(true);
    await expect.poll(() => session().notices[bo.space]).toBe('You left this space.');
    expect(session().grants[bo.space]).toBeUndefined();
    expect(page.socket.connected).toBe(false);
  });
});
