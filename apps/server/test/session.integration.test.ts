import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROTOCOL_VERSION, type PublicUser, ServerEvent } from '@huddle/protocol';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHuddle } from '../src/server.js';
import { createTokenSigner } from '../src/session/session-token.js';
import { connect, join, startTestServer, TEST_SESSION_SECRET, tempDir, uniqueSpace } from './helpers.js';

let server: RunningHuddle;
const web = tempDir('huddle-web-');

beforeAll(async () => {
  mkdirSync(path.join(web.dir, 'assets'));
  writeFileSync(path.join(web.dir, 'index.html'), '<!doctype html><title>Huddle SPA</title>');
  writeFileSync(path.join(web.dir, 'assets', 'app-abc123.js'), 'console.log(1)');
  server = await startTestServer({ webDist: web.dir, allowedOrigins: ['http://trusted.example:8080'] });
});
afterAll(async () => {
  await server.stop();
  web.remove();
});

interface JsonBody {
  token: string;
  space: string;
  user: PublicUser;
  error: { code: string; message: string; field?: string };
}
const json = async (res: Response): Promise<JsonBody> => (await res.json()) as JsonBody;

const post = (body: unknown, raw?: string) =>
  fetch(`${server.url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // Creates the space (open) when it is new: these tests are about names and tokens, not invites.
    body: raw ?? JSON.stringify({ create: { visibility: 'open' }, ...(body as object) }),
  });

/** Resolves with the handshake refusal's data, or 'connected'. */
function handshake(auth: unknown, extraHeaders: Record<string, string> = {}, transports = ['websocket']) {
  const socket = io(server.url, {
    auth: auth as object,
    transports,
    reconnection: false,
    forceNew: true,
    extraHeaders,
  });
  return new Promise<unknown>((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (err: Error & { data?: unknown }) => resolve(err.data ?? err.message));
  }).finally(() => socket.disconnect());
}

describe('joining a space', () => {
  it('issues a token for a new name; the token holder may take the name again, nobody else may', async () => {
    const space = uniqueSpace();
    const first = await post({ space, name: '  Ana   Lee ' });
    expect(first.status).toBe(201);
    const grant = await json(first);
    expect(grant).toMatchObject({ space, user: { name: 'Ana Lee' } });

    const thief = await post({ space, name: 'ana lee' });
    expect(thief.status).toBe(409);
    expect(await json(thief)).toEqual({
      error: { code: 'NAME_TAKEN', message: 'That name is taken in this space', field: 'name' },
    });

    const again = await post({ space, name: 'Ana Lee', token: grant.token });
    expect(again.status).toBe(201);
    expect((await json(again)).user).toEqual(grant.user);

    const elsewhere = await post({ space: uniqueSpace(), name: 'Ana Lee', token: grant.token });
    expect(elsewhere.status).toBe(201);
    expect((await json(elsewhere)).user.id).not.toBe(grant.user.id);
  });

  it.each([
    [{ space: 'Team A', name: 'Ana' }, 'space'],
    [{ space: '', name: 'Ana' }, 'space'],
    [{ space: 'a'.repeat(41), name: 'Ana' }, 'space'],
    [{ space: '../etc', name: 'Ana' }, 'space'],
    [{ space: 'ok', name: '   ' }, 'name'],
    [{ space: 'ok', name: 'x'.repeat(33) }, 'name'],
    [{ space: 'ok', name: 'a\u0000b' }, 'name'],
    [{ space: 'ok', name: 42 }, 'name'],
    [{ space: 'ok' }, 'name'],
    [{ space: 'ok', name: 'Ana', admin: true }, ''],
  ])('refuses %o with 400 naming the field', async (body, field) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    const { error } = await json(res);
    expect(error.code).toBe('BAD_REQUEST');
    if (field) expect(error.field).toBe(field);
  });

  it('refuses broken JSON, a non-object body and an oversized body with JSON errors', async () => {
    expect((await post(undefined, '{"space":')).status).toBe(400);
    expect((await post(undefined, '[1,2]')).status).toBe(400);
    const big = await post({ space: 'ok', name: 'x'.repeat(100_000) });
    expect(big.status).toBe(413);
    expect((await json(big)).error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('the Socket.IO handshake', () => {
  it('accepts a genuine token and welcomes the user by their server-side identity', async () => {
    const grant = await join(server.url, uniqueSpace(), 'Ana');
    const welcome = new Promise((resolve) => {
      const socket = io(server.url, {
        auth: { token: grant.token, protocolVersion: PROTOCOL_VERSION },
        transports: ['websocket'],
        forceNew: true,
      });
      socket.once(ServerEvent.Welcome, (w) => {
        socket.disconnect();
        resolve(w);
      });
    });
    expect(await welcome).toMatchObject({ user: grant.user, space: grant.space, protocolVersion: PROTOCOL_VERSION });
  });

  it('refuses a missing, forged, tampered or foreign token, and a wrong protocol version', async () => {
    const grant = await join(server.url, uniqueSpace(), 'Ana');
    const [head, , sig] = grant.token.split('.');
    const claims = { uid: grant.user.id, space: 'someone-elses-space', iat: Date.now() };
    const tampered = `${head}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    const foreign = createTokenSigner('another-secret-another-secret-another').sign(claims);
    const unknownUser = createTokenSigner(TEST_SESSION_SECRET).sign({ ...claims, uid: 'nobody' });
    const v = PROTOCOL_VERSION;
    expect(await handshake({})).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await handshake({ protocolVersion: v })).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await handshake({ token: 'garbage', protocolVersion: v })).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await handshake({ token: tampered, protocolVersion: v })).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await handshake({ token: foreign, protocolVersion: v })).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await handshake({ token: unknownUser, protocolVersion: v })).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await handshake({ token: 'x'.repeat(5000), protocolVersion: v })).toMatchObject({
      code: 'UNAUTHORIZED',
    });
    expect(await handshake({ token: grant.token, protocolVersion: v + 1 })).toMatchObject({
      code: 'PROTOCOL_MISMATCH',
    });
    expect(await handshake({ token: grant.token, protocolVersion: v })).toBe('connected');
  });

  it('refuses an Origin that is neither the server itself nor allowed, on WebSocket and polling', async () => {
    const grant = await join(server.url, uniqueSpace(), 'Ana');
    const auth = { token: grant.token, protocolVersion: PROTOCOL_VERSION };
    const host = new URL(server.url).host;
    for (const transports of [['websocket'], ['polling']]) {
      expect(await handshake(auth, { origin: 'http://evil.example' }, transports)).not.toBe('connected');
      expect(await handshake(auth, { origin: 'null' }, transports)).not.toBe('connected');
      expect(await handshake(auth, { origin: `http://${host}` }, transports)).toBe('connected');
      expect(await handshake(auth, { origin: 'http://trusted.example:8080' }, transports)).toBe('connected');
    }
  });

  it('a reconnect with the same token is the same user', async () => {
    const grant = await join(server.url, uniqueSpace(), 'Ana');
    const first = await connect(server.url, grant.token);
    first.socket.disconnect();
    const second = await connect(server.url, grant.token);
    expect(second.initial.space).toBe(grant.space);
    second.socket.disconnect();
  });
});

describe('HTTP', () => {
  it('health and readiness', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ ok: true });
    expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ ok: true });
  });

  it('serves the SPA with history fallback, cached assets and security headers', async () => {
    const page = await fetch(`${server.url}/s/team-a`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Huddle SPA');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-powered-by')).toBeNull();
    const asset = await fetch(`${server.url}/assets/app-abc123.js`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404);
  });

  it('unknown API routes are JSON 404s, not the SPA', async () => {
    const res = await fetch(`${server.url}/api/nope`);
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe('NOT_FOUND');
  });
});
