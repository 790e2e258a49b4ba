import type { SessionGrant } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { connect, join, send, type TestClient, uniqueSpace } from '../../../server/test/helpers';
import { withAppOnServer } from './test-server';

// The real Huddle server, in this process, and the app's real socket bridge and feature list: the page
// is Bo's, and Ana (the owner) acts from a client of her own.
const huddle = withAppOnServer();
const owners = huddle.tabs;

/** Ana owns a new space, Bo has joined it, and the page has opened it as Bo. */
async function boInAnasSpace(): Promise<{ bo: SessionGrant; ana: TestClient }> {
  const space = uniqueSpace('ended');
  const ana = await join(huddle.server.url, space, 'Ana');
  const bo = await join(huddle.server.url, space, 'Bo');
  const { socket } = await connect(huddle.server.url, ana.token);
  owners.push(socket);
  huddle.page.useSessionStore.getState().saveGrant(bo);
  huddle.page.bridge.openSpaceConnection(space, bo.token);
  await expect.poll(() => huddle.page.useConnectionStore.getState().phase).toBe('connected');
  return { bo, ana: socket };
}

const session = () => huddle.page.useSessionStore.getState();

describe('socket bridge: the server ends the session', { timeout: 30_000 }, () => {
  it('removed with a block: the page forgets the session, remembers the removal, and the token is refused', async () => {
    const { bo, ana } = await boInAnasSpace();
    // The welcome renewed the token: the one held now is the one to remember.
    const held = session().grants[bo.space]?.token;
    expect((await send(ana, 'space:remove-member', { userId: bo.user.id, block: true })).ok).toBe(true);

    await expect.poll(() => session().ended[bo.space]?.reason).toBe('removed');
    expect(session().grants[bo.space]).toBeUndefined();
    expect(session().ended[bo.space]?.token).toBe(held);
    expect(huddle.page.socket.connected).toBe(false);
    expect(huddle.page.useConnectionStore.getState().phase).toBe('idle');

    // The join form sends the remembered token: the server refuses this browser.
    const again = await fetch(`${huddle.server.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ space: bo.space, name: 'Bo', token: session().ended[bo.space]?.token }),
    });
    expect(again.status).toBe(403);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('REMOVED');
  });

  it('a handshake refused as REMOVED (the removal happened while the page was away) ends it the same way', async () => {
    const { bo, ana } = await boInAnasSpace();
    huddle.page.bridge.closeSpaceConnection();
    expect((await send(ana, 'space:remove-member', { userId: bo.user.id, block: false })).ok).toBe(true);

    huddle.page.useSessionStore.getState().saveGrant(bo);
    huddle.page.bridge.openSpaceConnection(bo.space, bo.token);
    await expect.poll(() => session().ended[bo.space]?.reason).toBe('removed');
    expect(session().grants[bo.space]).toBeUndefined();
    expect(huddle.page.useConnectionStore.getState().phase).toBe('idle');
  });

  it('the space deleted: the page says so', async () => {
    const { bo, ana } = await boInAnasSpace();
    expect((await send(ana, 'space:delete', { confirm: bo.space })).ok).toBe(true);
    await expect.poll(() => session().ended[bo.space]?.reason).toBe('space-deleted');
    expect(session().grants[bo.space]).toBeUndefined();
  });

  it('left: back to the join form with a notice, and no reconnect', async () => {
    const { bo } = await boInAnasSpace();
    expect((await huddle.page.sendCommand('space:leave', {})).ok).toBe(true);
    await expect.poll(() => session().notices[bo.space]).toBe('You left this space.');
    expect(session().grants[bo.space]).toBeUndefined();
    expect(huddle.page.socket.connected).toBe(false);
  });
});
