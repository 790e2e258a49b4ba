import { PROTOCOL_VERSION, ServerEvent, type SessionGrant, type Welcome } from '@huddle/protocol';
import { io } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningHuddle, startHuddle } from '../../src/server.js';
import { join, tempDir, testConfig, uniqueSpace } from '../helpers.js';
import { recordSection } from './report.js';

// Origins, session expiry and revocation, and the HTTP headers, measured on a real in-process server.
const DAY = 24 * 3_600_000;
let offset = 0;
const clock = { now: () => Date.now() + offset };
const web = tempDir('huddle-web-');
const servers: RunningHuddle[] = [];
const figures: Record<string, string | number> = {};
const notes: string[] = [];

afterAll(async () => {
  for (const s of servers) await s.stop();
  web.remove();
  recordSection('sessions-origins-headers', {
    order: 60,
    title: 'Origins, sessions and HTTP headers',
    setup:
      'One server in-process. Handshakes from foreign origins on each transport, tokens aged past SESSION_TTL_HOURS ' +
      'by moving the server clock, "sign out other devices", and the headers of the page, the API and errors in production.',
    figures,
    notes,
  });
});

async function server(overrides: Parameters<typeof testConfig>[0] = {}) {
  const s = await startHuddle(testConfig({ sessionTtlMs: 30 * DAY, ...overrides }), { clock });
  servers.push(s);
  return s;
}

type Outcome = 'connected' | { code?: string; message?: string } | string;

/** Resolves with the handshake's outcome: 'connected', or the refusal's data. */
function handshake(url: string, token: string, options: { origin?: string; transports?: string[] } = {}) {
  const socket = io(url, {
    auth: { token, protocolVersion: PROTOCOL_VERSION },
    transports: options.transports ?? ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: options.origin ? { origin: options.origin } : {},
  });
  return new Promise<Outcome>((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) => resolve(err.data ?? err.message));
  }).finally(() => socket.disconnect());
}

/** A connected socket and its welcome. */
async function open(url: string, token: string) {
  const socket = io(url, {
    auth: { token, protocolVersion: PROTOCOL_VERSION },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const welcome = await new Promise<Welcome>((resolve, reject) => {
    socket.once(ServerEvent.Welcome, resolve);
    socket.once('connect_error', reject);
  });
  return { socket, welcome };
}

describe('origins', () => {
  it('refuses handshakes from an origin not allowed, WebSocket-only and polling alike', async () => {
    const s = await server({ allowedOrigins: ['https://huddle.example'] });
    const grant = await join(s.url, uniqueSpace(), 'Ana');
    const hostile = ['http://evil.example', 'null', 'https://huddle.example.evil.example', 'http://127.0.0.1.nip.io'];
    let refused = 0;
    let tried = 0;
    for (const transports of [['websocket'], ['polling'], ['polling', 'websocket']]) {
      for (const origin of hostile) {
        tried += 1;
        const outcome = await handshake(s.url, grant.token, { origin, transports });
        expect(outcome, `${origin} over ${transports.join('+')}`).not.toBe('connected');
        refused += 1;
      }
      // The server's own origin and the allowed one still connect.
      expect(await handshake(s.url, grant.token, { origin: s.url, transports })).toBe('connected');
      expect(await handshake(s.url, grant.token, { origin: 'https://huddle.example', transports })).toBe('connected');
    }
    figures['Foreign-origin handshakes refused'] =
      `${refused} of ${tried} (WebSocket-only, polling, polling→WebSocket)`;
    figures['Own and allowed origins'] = 'connected on every transport';
  });
});

describe('sessions', () => {
  it('refuses an expired token, also on reconnect; a connection renews the token it presents', async () => {
    const ttlMs = 2 * DAY;
    const s = await server({ sessionTtlMs: ttlMs });
    const grant = await join(s.url, uniqueSpace(), 'Ana');

    const first = await open(s.url, grant.token);
    first.socket.disconnect();
    expect(first.welcome.token).not.toBe(grant.token);

    // A day and a half later the token still works, and that connection renews it.
    offset += 1.5 * DAY;
    const later = await open(s.url, grant.token);
    later.socket.disconnect();
    // Past the TTL: the original token is refused; the one renewed half a day ago is not.
    offset += 0.6 * DAY;
    expect(await handshake(s.url, grant.token)).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await handshake(s.url, grant.token, { transports: ['polling'] })).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await handshake(s.url, later.welcome.token)).toBe('connected');
    // Unused for longer than the TTL, the renewed one ends too.
    offset += 2 * DAY;
    expect(await handshake(s.url, later.welcome.token)).toMatchObject({ code: 'UNAUTHORIZED' });
    const welcome = later.welcome;
    // An expired token no longer reclaims its name either.
    const reclaim = await fetch(`${s.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ space: grant.space, name: 'Ana', token: welcome.token }),
    });
    expect(reclaim.status).toBe(409);
    figures['Session lifetime'] = 'SESSION_TTL_HOURS after issue (default 720 h), renewed on every connection';
    figures['Expired token'] = 'refused at handshake and on reconnect (UNAUTHORIZED); cannot reclaim the name';
  });

  it('"sign out other devices" closes their connections at once and refuses their tokens on reconnect', async () => {
    const s = await server();
    const grant = await join(s.url, uniqueSpace(), 'Ana');
    const laptop = await open(s.url, grant.token);
    const phone = await open(s.url, grant.token);
    const phoneGone = new Promise<string>((resolve) => phone.socket.once('disconnect', resolve));
    const laptopGone = new Promise<string>((resolve) => laptop.socket.once('disconnect', resolve));

    const started = performance.now();
    const res = await fetch(`${s.url}/api/sessions/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${grant.token}` },
    });
    expect(res.status).toBe(200);
    const fresh = (await res.json()) as SessionGrant;
    expect(fresh.user).toEqual(grant.user);
    expect(await phoneGone).toBe('io server disconnect');
    const closedMs = performance.now() - started;
    await laptopGone;

    // Every token issued before, renewed ones included, is refused; the fresh grant works.
    for (const token of [grant.token, laptop.welcome.token, phone.welcome.token]) {
      expect(await handshake(s.url, token)).toMatchObject({ code: 'UNAUTHORIZED' });
      expect(await handshake(s.url, token, { transports: ['polling'] })).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    expect(await handshake(s.url, fresh.token)).toBe('connected');
    // A revoked token cannot revoke, nor reclaim the name.
    const again = await fetch(`${s.url}/api/sessions/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${grant.token}` },
    });
    expect(again.status).toBe(401);
    const reclaim = await fetch(`${s.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ space: grant.space, name: 'Ana', token: grant.token }),
    });
    expect(reclaim.status).toBe(409);
    figures['Revocation closes the other connections in'] = `${Math.round(closedMs)} ms`;
    figures['Revoked token'] = 'refused at handshake (WebSocket and polling), for revoking and for reclaiming the name';
    notes.push(
      'Connection-state recovery is off: every reconnect is a full handshake, so the token is checked again and the ' +
        'client gets complete snapshots; there is no recovery path that could skip the check.',
    );
  });
});

describe('HTTP headers', () => {
  it('sends a strict CSP without inline scripts, no version banner, and JSON errors without stacks in production', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const path = await import('node:path');
    mkdirSync(path.join(web.dir, 'assets'), { recursive: true });
    writeFileSync(path.join(web.dir, 'index.html'), '<!doctype html><title>Huddle</title>');
    const s = await server({ env: 'production', webDist: web.dir });

    const page = await fetch(`${s.url}/s/team`);
    const csp = page.headers.get('content-security-policy') ?? '';
    const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
    expect(scriptSrc).toBe("'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('strict-transport-security')).toContain('max-age=');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-powered-by')).toBeNull();
    expect(page.headers.get('server')).toBeNull();

    const errors = [
      await fetch(`${s.url}/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"space":',
      }),
      await fetch(`${s.url}/api/nope`),
      await fetch(`${s.url}/api/spaces/UPPER/sensors/room/readings.csv`),
      await fetch(`${s.url}/api/sessions/revoke`, { method: 'POST' }),
    ];
    for (const res of errors) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get('content-type')).toContain('application/json');
      const text = await res.text();
      expect(text).not.toMatch(/\bat .*\.(ts|js):\d+|stack|node_modules/);
      expect(JSON.parse(text)).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    }
    figures['script-src'] = scriptSrc;
    figures['Other headers'] =
      'nosniff, HSTS, no-referrer, frame-ancestors self, object-src none; no X-Powered-By, no Server';
    figures['API errors in production'] =
      `JSON { error: { code, message } }, no stack (${errors.length} kinds checked)`;
  });
});
