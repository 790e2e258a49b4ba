import type { HandshakeErrorData, SessionGrant } from '@huddle/protocol';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, join, uniqueSpace } from '../../../server/test/helpers';
import { withAppOnServer } from './test-server';

// The real Huddle server, in this process, and the app's real socket bridge connecting to it.
// One connection per client address: a second tab from this machine is refused RATE_LIMITED.
const huddle = withAppOnServer({ maxConnectionsPerIp: 1 });
const otherTabs = huddle.tabs;
/** When the server received each Socket.IO connection (one per handshake attempt), in order. */
const connections: number[] = [];

beforeAll(() => {
  huddle.server.app.io.engine.on('connection', () => connections.push(performance.now()));
});

// Runs before the shared clean-up (Vitest runs after-hooks last-registered first), so it closes first.
afterEach(async () => {
  huddle.page.bridge.closeSpaceConnection();
  for (const tab of otherTabs.splice(0)) tab.disconnect();
  // The server counts a connection until it has closed: the next test's tab must not be refused for it.
  await expect.poll(() => huddle.server.app.io.engine.clientsCount, { timeout: 10_000 }).toBe(0);
  connections.length = 0;
  huddle.page.retryDelays.length = 0;
});

/** The next handshake refusal the app's socket receives (after the bridge has handled it). */
function nextRefusal(): Promise<HandshakeErrorData> {
  return new Promise((resolve) =>
    huddle.page.socket.once('connect_error', (error) => resolve((error as Error & { data: HandshakeErrorData }).data)),
  );
}

/** The space page opening with the session this browser holds, as SpaceView does. */
function openSpace(held: SessionGrant, presented = held.token): void {
  huddle.page.useSessionStore.getState().saveGrant(held);
  huddle.page.bridge.openSpaceConnection(held.space, presented);
}

/**
 * Signs the user out of every device from somewhere else: every token issued so far stops working,
 * and the caller gets a fresh grant.
 */
async function signOutEverywhere(grant: SessionGrant): Promise<SessionGrant> {
  // A token stops working when it was issued before the sign-out, in whole milliseconds.
  const issuedBy = Date.now();
  await expect.poll(() => Date.now()).toBeGreaterThan(issuedBy);
  const res = await fetch(`${huddle.server.url}/api/sessions/revoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${grant.token}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as SessionGrant;
}

const connection = () => huddle.page.useConnectionStore.getState();
const heldGrant = (space: string) => huddle.page.useSessionStore.getState().grants[space];

describe('socket bridge: handshake refusals from the real server', { timeout: 30_000 }, () => {
  it('UNAUTHORIZED for the session it holds: forgets it, says why on the join form, and does not retry', async () => {
    const space = uniqueSpace('ended');
    const ana = await join(huddle.server.url, space, 'Ana');
    await signOutEverywhere(ana);

    const refused = nextRefusal();
    openSpace(ana);
    expect((await refused).code).toBe('UNAUTHORIZED');

    // No grant held: the space route shows the join form, with this notice above it.
    expect(heldGrant(space)).toBeUndefined();
    expect(huddle.page.useSessionStore.getState().notices[space]).toBe(
      'Your session for this space has ended. Join again to continue.',
    );
    expect(connection()).toMatchObject({ phase: 'idle', problem: null });
    // Nothing tries again: Socket.IO has given the socket up, and the bridge scheduled no retry.
    expect(huddle.page.socket.active).toBe(false);
    expect(huddle.page.retryDelays).toEqual([]);
    expect(connections).toHaveLength(1);
  });

  it('UNAUTHORIZED while another tab holds a newer session: connects again with that one', async () => {
    const space = uniqueSpace('renewed');
    const stale = await join(huddle.server.url, space, 'Ana');
    const renewed = await signOutEverywhere(stale);

    const refused = nextRefusal();
    // The page opened with the old token; another tab has stored the new one meanwhile.
    openSpace(renewed, stale.token);
    expect((await refused).code).toBe('UNAUTHORIZED');

    await expect.poll(() => connection().phase, { timeout: 10_000 }).toBe('connected');
    expect(heldGrant(space)?.user).toEqual(renewed.user);
    expect(huddle.page.useSessionStore.getState().notices[space]).toBeUndefined();
    expect(connections).toHaveLength(2);
  });

  it('RATE_LIMITED: shows the server’s reason, keeps the session, and retries once 5 s have passed', async () => {
    const space = uniqueSpace('crowded');
    const ana = await join(huddle.server.url, space, 'Ana');
    // Another tab on this machine holds the one connection the server allows it.
    const other = await connect(huddle.server.url, ana.token);
    otherTabs.push(other.socket);

    const refused = nextRefusal();
    openSpace(ana);
    const refusal = await refused;
    // When the refused attempt reached the server: before the refusal, so before the bridge's timer started.
    const refusedAt = connections.at(-1) ?? Number.NaN;
    expect(refusal.code).toBe('RATE_LIMITED');
    expect(connection()).toMatchObject({ phase: 'reconnecting', problem: refusal.message });
    expect(refusal.message).toBe('Too many connections from your network; close some tabs and retry');
    expect(heldGrant(space)?.token).toBe(ana.token);
    // The bridge's own retry (RATE_LIMITED_RETRY_MS), not Socket.IO's quick one.
    expect(huddle.page.socket.active).toBe(false);
    expect(huddle.page.retryDelays).toEqual([5000]);

    other.socket.disconnect();
    await expect.poll(() => connection().phase, { timeout: 20_000 }).toBe('connected');
    expect(connection().problem).toBeNull();
    const retriedAt = connections.find((at) => at > refusedAt);
    // The margin covers timer rounding only.
    expect(retriedAt).toBeGreaterThanOrEqual(refusedAt + 5000 - 5);
  });
});
