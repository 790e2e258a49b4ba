import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type HandshakeAuth, type HandshakeErrorData, PROTOCOL_VERSION, type SessionGrant } from '@huddle/protocol';
import { Server } from 'socket.io';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, openAppPage } from './test-page';

/**
 * Refusals the real server gives only in special conditions (a newer release deployed, its storage away)
 * come from a minimal real Socket.IO server that refuses handshakes the way Huddle's auth middleware does.
 */
const http = createServer();
const io = new Server(http, { serveClient: false });
/** Each handshake the server saw: when, and the `auth` it carried. */
const handshakes: { at: number; auth: Partial<HandshakeAuth> }[] = [];
/** How the server answers the n-th handshake (from 1): a refusal, or null to admit it. */
let answer: (attempt: number, auth: Partial<HandshakeAuth>) => HandshakeErrorData | null = () => null;

io.use((socket, next) => {
  const auth = socket.handshake.auth as Partial<HandshakeAuth>;
  handshakes.push({ at: performance.now(), auth });
  const refusal = answer(handshakes.length, auth);
  // The shape of a refusal from apps/server/src/io/auth.ts: the client reads it as `connect_error` `data`.
  next(refusal === null ? undefined : Object.assign(new Error(refusal.message), { data: refusal }));
});

let page: AppPage;

beforeAll(async () => {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  page = await openAppPage(`http://127.0.0.1:${(http.address() as AddressInfo).port}`);
});

afterEach(async () => {
  page.bridge.closeSpaceConnection();
  await expect.poll(() => io.engine.clientsCount, { timeout: 10_000 }).toBe(0);
  handshakes.length = 0;
  page.retryDelays.length = 0;
  answer = () => null;
});

afterAll(async () => {
  await io.close();
});

const grant: SessionGrant = { token: 'v1.session.token', user: { id: 'u-ana', name: 'Ana' }, space: 'crew' };

function openSpace(): void {
  page.useSessionStore.getState().saveGrant(grant);
  page.bridge.openSpaceConnection(grant.space, grant.token);
}

function nextRefusal(): Promise<HandshakeErrorData> {
  return new Promise((resolve) =>
    page.socket.once('connect_error', (error) => resolve((error as Error & { data: HandshakeErrorData }).data)),
  );
}

const connection = () => page.useConnectionStore.getState();

describe('socket bridge: handshake refusals in special conditions', { timeout: 30_000 }, () => {
  it('PROTOCOL_MISMATCH: asks for a reload, keeps the session, and never reconnects by itself', async () => {
    // A newer release speaks the next protocol version and refuses every page still on this one.
    const serverVersion = PROTOCOL_VERSION + 1;
    answer = (_, auth) =>
      auth.protocolVersion === serverVersion
        ? null
        : { code: 'PROTOCOL_MISMATCH', message: `This server speaks protocol ${serverVersion}; reload the page` };

    const refused = nextRefusal();
    openSpace();
    expect((await refused).code).toBe('PROTOCOL_MISMATCH');

    expect(handshakes.map((h) => h.auth)).toEqual([{ token: grant.token, protocolVersion: PROTOCOL_VERSION }]);
    expect(connection()).toMatchObject({
      phase: 'closed',
      problem: 'Huddle has been updated. Reload the page to continue.',
    });
    expect(page.useSessionStore.getState().grants[grant.space]).toEqual(grant);
    // No loop: Socket.IO has given the socket up, and the bridge scheduled no retry of its own.
    expect(page.socket.active).toBe(false);
    expect(page.retryDelays).toEqual([]);
  });

  it('UNAVAILABLE: keeps the session and retries every 2 s until the server can check it', async () => {
    // The server's storage is away for the first two handshakes.
    answer = (attempt) =>
      attempt <= 2 ? { code: 'UNAVAILABLE', message: 'The server could not check your session; retrying' } : null;

    const refused = nextRefusal();
    openSpace();
    expect((await refused).code).toBe('UNAVAILABLE');
    expect(connection()).toMatchObject({ phase: 'reconnecting', problem: null });
    expect(page.useSessionStore.getState().grants[grant.space]).toEqual(grant);
    // The bridge's own retry (UNAVAILABLE_RETRY_MS), not Socket.IO's quick one.
    expect(page.socket.active).toBe(false);
    expect(page.retryDelays).toEqual([2000]);

    await expect.poll(() => connection().phase, { timeout: 20_000 }).toBe('connected');
    expect(page.retryDelays).toEqual([2000, 2000]);
    expect(handshakes).toHaveLength(3);
    // Each retry's timer started after the refused handshake before it; the margin covers timer rounding.
    const [first, second, third] = handshakes.map((h) => h.at);
    expect(second).toBeGreaterThanOrEqual((first ?? 0) + 2000 - 20);
    expect(third).toBeGreaterThanOrEqual((second ?? 0) + 2000 - 20);
    expect(page.useSessionStore.getState().grants[grant.space]).toEqual(grant);
  });
});
