import { PROTOCOL_VERSION, ServerEvent, type SessionGrant, type Welcome } from '@huddle/protocol';
import { io } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type RunningHuddle, startHuddle } from '../../src/server.js';
import { join, tempDir, testConfig, uniqueSpace } from '../helpers.js';
import { ms, scenario } from './report.js';

// Origins, session expiry and revocation, and the HTTP headers, measured on a real in-process server.
const report = scenario(import.meta.filename, {
  order: 60,
  title: 'Origins, sessions and HTTP headers',
  setup:
    'One server in-process. Handshakes from foreign origins on each transport, tokens aged past SESSION_TTL_HOURS ' +
    'by moving the server clock, "sign out other devices", and the headers of the page, the API and errors in production.',
});

const DAY = 24 * 3_600_000;
let offset = 0;
const clock = { now: () => Date.now() + offset };
const web = tempDir('huddle-web-');
const servers: RunningHuddle[] = [];
const dataDirs: ReturnType<typeof tempDir>[] = [];

afterAll(async () => {
  for (const s of servers) await s.stop();
  for (const data of dataDirs) data.remove();
  web.remove();
});

async function server(overrides: Parameters<typeof testConfig>[0] = {}) {
  const data = tempDir('huddle-origins-');
  dataDirs.push(data);
  const s = await startHuddle(testConfig({ sessionTtlMs: 30 * DAY, dataDir: data.dir, ...overrides }), { clock });
  servers.push(s);
  return s;
}

type Outcome = 'connected' | { code?: string; message?: string } | string;

/** An outcome in a few words: 'connected', or the refusal's code. */
const said = (outcome: Outcome) => (typeof outcome === 'string' ? outcome : (outcome.code ?? outcome.message ?? '?'));

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
    // What the server itself refused for the origin: engine.io's FORBIDDEN, which only allowRequest answers.
    const FORBIDDEN = 4;
    const refusedOrigins: string[] = [];
    s.app.io.engine.on('connection_error', (err: { code: number; req: { headers: { origin?: string } } }) => {
      if (err.code === FORBIDDEN) refusedOrigins.push(err.req.headers.origin ?? '(none)');
    });
    const grant = await join(s.url, uniqueSpace(), 'Ana');
    const hostile = ['http://evil.example', 'null', 'https://huddle.example.evil.example', 'http://127.0.0.1.nip.io'];
    let foreignTried = 0;
    const foreignConnected: string[] = [];
    let ownTried = 0;
    const ownRefused: string[] = [];
    for (const transports of [['websocket'], ['polling'], ['polling', 'websocket']]) {
      for (const origin of hostile) {
        foreignTried += 1;
        const outcome = await handshake(s.url, grant.token, { origin, transports });
        if (outcome === 'connected') foreignConnected.push(`${origin} over ${transports.join('+')}`);
      }
      // The server's own origin and the allowed one still connect.
      for (const origin of [s.url, 'https://huddle.example']) {
        ownTried += 1;
        const outcome = await handshake(s.url, grant.token, { origin, transports });
        if (outcome !== 'connected') ownRefused.push(`${origin} over ${transports.join('+')}: ${said(outcome)}`);
      }
    }
    report.asserted(
      'Foreign-origin handshakes refused',
      { connected: foreignConnected, refusedByTheOriginCheck: refusedOrigins.length },
      (got) => {
        expect(got.connected, 'foreign origins that connected').toEqual([]);
        expect(got.refusedByTheOriginCheck, 'refusals by the origin check').toBe(foreignTried);
      },
      `${refusedOrigins.length} of ${foreignTried} refused by the origin check (WebSocket-only, polling, ` +
        `polling→WebSocket)${foreignConnected.length ? `; connected: ${foreignConnected.join(', ')}` : ''}`,
    );
    report.asserted(
      'Own and allowed origins connected',
      ownRefused,
      (refused) => expect(refused).toEqual([]),
      `${ownTried - ownRefused.length} of ${ownTried} (every transport)`,
    );
  });
});

describe('sessions', () => {
  it('refuses an expired token, also on reconnect; a connection renews the token it presents', async () => {
    const ttlMs = 2 * DAY;
    const s = await server({ sessionTtlMs: ttlMs });
    const grant = await join(s.url, uniqueSpace(), 'Ana');
    const defaultTtlMs = loadConfig({
      NODE_ENV: 'test',
      SESSION_SECRET: 'x'.repeat(40),
      DATA_DIR: web.dir,
    }).sessionTtlMs;
    report.measured('Session lifetime when SESSION_TTL_HOURS is unset', `${defaultTtlMs / 3_600_000} h`);

    const first = await open(s.url, grant.token);
    first.socket.disconnect();
    report.asserted(
      'A connection renews its token',
      first.welcome.token,
      (token) => expect(token).not.toBe(grant.token),
      first.welcome.token === grant.token ? 'the welcome repeats the token' : 'the welcome carries a new token',
    );

    // A day and a half later the token still works, and that connection renews it.
    offset += 1.5 * DAY;
    const later = await open(s.url, grant.token);
    later.socket.disconnect();
    // Past the TTL: the original token is refused; the one renewed half a day ago is not.
    offset += 0.6 * DAY;
    const expired = {
      websocket: await handshake(s.url, grant.token),
      polling: await handshake(s.url, grant.token, { transports: ['polling'] }),
    };
    report.asserted(
      'Token 2.1 days after issue (TTL 2 days)',
      expired,
      (got) =>
        expect(got, JSON.stringify(got)).toMatchObject({
          websocket: { code: 'UNAUTHORIZED' },
          polling: { code: 'UNAUTHORIZED' },
        }),
      `${said(expired.websocket)} over WebSocket, ${said(expired.polling)} over polling`,
    );
    const renewed = await handshake(s.url, later.welcome.token);
    report.asserted('Its renewal, 0.6 days old', renewed, (got) => expect(got).toBe('connected'), said(renewed));
    // Unused for longer than the TTL, the renewed one ends too.
    offset += 2 * DAY;
    const unused = await handshake(s.url, later.welcome.token);
    report.asserted(
      'The renewal after 2.6 days unused',
      unused,
      (got) => expect(got, JSON.stringify(got)).toMatchObject({ code: 'UNAUTHORIZED' }),
      said(unused),
    );
    // An expired token no longer reclaims its name either.
    const reclaim = await fetch(`${s.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ space: grant.space, name: 'Ana', token: later.welcome.token }),
    });
    report.asserted('Reclaiming the name with an expired token', reclaim.status, (status) => expect(status).toBe(409));
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
    // Both sockets were open when the revocation answered: only the server can close them.
    const closed = await Promise.all([phoneGone, laptopGone]);
    const closedMs = performance.now() - started;
    report.asserted(
      'Revocation closes the other connections',
      closed,
      (reasons) => expect(reasons).toEqual(['io server disconnect', 'io server disconnect']),
      `${closed.filter((r) => r === 'io server disconnect').length} of ${closed.length} closed by the server, ` +
        `within ${ms(closedMs)}`,
    );

    // Every token issued before, renewed ones included, is refused; the fresh grant works.
    const before = [grant.token, laptop.welcome.token, phone.welcome.token];
    const accepted: string[] = [];
    let tried = 0;
    for (const [i, token] of before.entries()) {
      for (const transports of [['websocket'], ['polling']]) {
        tried += 1;
        const outcome = await handshake(s.url, token, { transports });
        if (said(outcome) !== 'UNAUTHORIZED') accepted.push(`token ${i} over ${transports[0]}: ${said(outcome)}`);
      }
    }
    report.asserted(
      'Tokens issued before the revocation, refused',
      accepted,
      (got) => expect(got).toEqual([]),
      `${tried - accepted.length} of ${tried} (UNAUTHORIZED: the revoking one and both renewals, WebSocket and polling)`,
    );
    const freshOutcome = await handshake(s.url, fresh.token);
    report.asserted('The fresh grant', freshOutcome, (got) => expect(got).toBe('connected'), said(freshOutcome));
    // A revoked token cannot revoke, nor reclaim the name.
    const again = await fetch(`${s.url}/api/sessions/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${grant.token}` },
    });
    report.asserted('A revoked token revoking again', again.status, (status) => expect(status).toBe(401));
    const reclaim = await fetch(`${s.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ space: grant.space, name: 'Ana', token: grant.token }),
    });
    report.asserted('A revoked token reclaiming the name', reclaim.status, (status) => expect(status).toBe(409));
    // Without connection-state recovery every reconnect is a full handshake: no path skips the token check.
    const recovery = s.app.io._opts.connectionStateRecovery;
    report.asserted(
      'Connection-state recovery',
      recovery,
      (option) => expect(option).toBeUndefined(),
      recovery ? 'on' : 'off',
    );
    report.note(
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
    report.asserted(
      'script-src',
      csp,
      (policy) => {
        expect(scriptSrc).toBe("'self'");
        expect(policy).not.toContain('unsafe-inline');
        expect(policy).not.toContain('unsafe-eval');
      },
      scriptSrc,
    );
    const headers = {
      frameAncestors: /frame-ancestors ([^;]*)/.exec(csp)?.[1] ?? null,
      objectSrc: /object-src ([^;]*)/.exec(csp)?.[1] ?? null,
      contentTypeOptions: page.headers.get('x-content-type-options'),
      hsts: page.headers.get('strict-transport-security'),
      referrerPolicy: page.headers.get('referrer-policy'),
      poweredBy: page.headers.get('x-powered-by'),
      server: page.headers.get('server'),
    };
    report.asserted(
      'Other headers',
      headers,
      (got) =>
        expect(got, JSON.stringify(got)).toEqual({
          frameAncestors: "'self'",
          objectSrc: "'none'",
          contentTypeOptions: 'nosniff',
          hsts: expect.stringContaining('max-age='),
          referrerPolicy: 'no-referrer',
          poweredBy: null,
          server: null,
        }),
      `X-Content-Type-Options ${headers.contentTypeOptions}, HSTS ${headers.hsts}, Referrer-Policy ` +
        `${headers.referrerPolicy}, frame-ancestors ${headers.frameAncestors}, object-src ${headers.objectSrc}; ` +
        `X-Powered-By ${headers.poweredBy ?? 'absent'}, Server ${headers.server ?? 'absent'}`,
    );

    const errors = {
      'broken JSON': await fetch(`${s.url}/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"space":',
      }),
      'unknown API route': await fetch(`${s.url}/api/nope`),
      'invalid space': await fetch(`${s.url}/api/spaces/UPPER/sensors/room/readings.csv`),
      'no token': await fetch(`${s.url}/api/sessions/revoke`, { method: 'POST' }),
    };
    const problems: string[] = [];
    for (const [kind, res] of Object.entries(errors)) {
      const text = await res.text();
      const body = (() => {
        try {
          return JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
        } catch {
          return undefined;
        }
      })();
      if (res.status < 400 || res.status >= 500) problems.push(`${kind}: status ${res.status}`);
      if (!res.headers.get('content-type')?.includes('application/json')) problems.push(`${kind}: not JSON`);
      if (/\bat .*\.(ts|js):\d+|stack|node_modules/.test(text)) problems.push(`${kind}: a stack trace`);
      if (typeof body?.error?.code !== 'string' || typeof body.error.message !== 'string') {
        problems.push(`${kind}: not { error: { code, message } }`);
      }
    }
    const kinds = Object.keys(errors).length;
    report.asserted(
      'API errors in production',
      problems,
      (found) => expect(found).toEqual([]),
      `${kinds - new Set(problems.map((p) => p.split(':')[0])).size} of ${kinds} kinds as JSON ` +
        '{ error: { code, message } } with a 4xx and no stack',
    );
  });
});
