import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { PROTOCOL_VERSION, type SessionGrant } from '@huddle/protocol';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDSHAKE_RATE } from '../../src/io/auth.js';
import { uniqueSpace } from '../helpers.js';
import { type Nginx, startNginx } from '../nginx.js';
import { useTwoNodeCluster } from '../node-process.js';
import { ms, percentile, scenario } from './report.js';

/**
 * The shipped proxy path (issue 16): deploy/nginx.conf.template in front of a cluster, with every client
 * on an address of its own, as in a real deployment. Per-address limits must see each user's address
 * through nginx, on the HTTP API and the Socket.IO path alike, and still bite for one address that floods.
 */

const USERS = 500;
const SPACES = 10;
/** Users joining and connecting at the same time. */
const CONCURRENCY = 25;
/** Below the default (100), so that 500 users sharing one address could never all connect. */
const MAX_CONNECTIONS_PER_IP = 30;
const CAP_FLOOD = MAX_CONNECTIONS_PER_IP + 10;
const HANDSHAKE_FLOOD = HANDSHAKE_RATE.burst + 90;

const report = scenario(import.meta.filename, {
  order: 70,
  title: 'The shipped proxy: nginx in front of a cluster, 500 users from their own addresses',
  setup:
    `Two server processes (PostgreSQL + Redis, MAX_CONNECTIONS_PER_IP=${MAX_CONNECTIONS_PER_IP}, RATE_LIMIT_SCALE 1) ` +
    "behind Debian's nginx running deploy/nginx.conf.template. " +
    `${USERS} users, each from its own loopback address (127.0.1.1 to 127.0.2.250: the client's sockets are bound ` +
    `to it), in ${SPACES} open spaces, ${CONCURRENCY} at a time: each joins with POST /api/sessions and opens a ` +
    'Socket.IO socket (polling, then WebSocket, with a ?tab= like the web app), all through nginx. Then one address ' +
    `opens ${CAP_FLOOD} sockets at once, another fires ${HANDSHAKE_FLOOD} handshakes at once (both held on one node), ` +
    'WebSocket-first clients send an Origin, and /metrics is asked for in several spellings.',
});

interface User {
  address: string;
  socket: Socket;
  disconnects: string[];
}

const cluster = useTwoNodeCluster({ env: () => ({ MAX_CONNECTIONS_PER_IP: String(MAX_CONNECTIONS_PER_IP) }) });
let nginx: Nginx | undefined;
const agents: http.Agent[] = [];
const users: User[] = [];
/** Sockets other than the users': closed when the test that opened them ends. */
const extras: Socket[] = [];

beforeAll(async () => {
  nginx = await startNginx(cluster.nodes().map((url) => new URL(url).host));
});

afterAll(async () => {
  for (const s of [...extras, ...users.map((u) => u.socket)]) s.disconnect();
  for (const agent of agents) agent.destroy();
  await nginx?.stop();
});

const entry = () => {
  if (!nginx) throw new Error('nginx is not running');
  return nginx.url;
};

/** User i's own loopback address: 127.0.1.1 … 127.0.2.250. */
const userAddress = (i: number) => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;

/** Connections bound to `address`: the HTTP requests, polls and WebSocket of one client machine. */
function agentFor(address: string): http.Agent {
  const agent = new http.Agent({ localAddress: address, keepAlive: true });
  agents.push(agent);
  return agent;
}

/** A request with `rawPath` sent as it is written (no URL normalisation on this side). */
function request(
  base: string,
  rawPath: string,
  options: { agent?: http.Agent; method?: string; body?: unknown } = {},
): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(base);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port,
        path: rawPath,
        method: options.method ?? 'GET',
        agent: options.agent ?? false,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        timeout: 20_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${rawPath}: no answer in 20 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function joinAs(agent: http.Agent, space: string, name: string): Promise<SessionGrant> {
  const res = await request(entry(), '/api/sessions', {
    agent,
    method: 'POST',
    body: { space, name, create: { visibility: 'open' } },
  });
  if (res.status !== 201) throw new Error(`join as ${name}: ${res.status} ${res.text.slice(0, 200)}`);
  return JSON.parse(res.text) as SessionGrant;
}

const newTab = () => randomBytes(8).toString('hex');

/**
 * Opens a socket through nginx and resolves with it and how its handshake ended: "connected" or the
 * refusal's code (the server's handshake error, or the transport's error).
 */
function openSocket(
  token: string,
  agent: http.Agent,
  options: { tab?: string; transports?: ('polling' | 'websocket')[]; origin?: string } = {},
): Promise<{ socket: Socket; outcome: string }> {
  const socket = io(entry(), {
    auth: { token, protocolVersion: PROTOCOL_VERSION },
    query: { tab: options.tab ?? newTab() },
    // engine.io-client hands it to the polling requests and to ws alike; its type says string | boolean.
    agent: agent as unknown as string,
    transports: options.transports ?? ['polling', 'websocket'],
    extraHeaders: options.origin ? { origin: options.origin } : {},
    reconnection: false,
    forceNew: true,
    timeout: 20_000,
  });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket, outcome: 'connected' }));
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) => {
      socket.disconnect();
      resolve({ socket, outcome: err.data?.code ?? err.message });
    });
  });
}

/** The node's name, from its own /healthz. */
async function nodeName(url: string): Promise<string> {
  return ((await (await fetch(`${url}/healthz`)).json()) as { node: string }).node;
}

/** A tab id that nginx sends to the node at `url` (asked of nginx itself: /healthz?tab=… goes where that tab goes). */
async function tabOn(url: string): Promise<string> {
  const name = await nodeName(url);
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const tab = newTab();
    const res = await request(entry(), `/healthz?tab=${tab}`);
    if ((JSON.parse(res.text) as { node?: string }).node === name) return tab;
  }
  throw new Error(`nginx sent none of 200 tab ids to ${name}`);
}

/** Open Socket.IO connections on each node, from its /metrics (asked of the node, not through nginx). */
async function socketsPerNode(): Promise<number[]> {
  return Promise.all(
    cluster.nodes().map(async (url) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return Number(/^huddle_connected_sockets (\d+)/m.exec(text)?.[1] ?? Number.NaN);
    }),
  );
}

const tally = (outcomes: readonly string[]) =>
  outcomes.reduce<Record<string, number>>((counts, o) => {
    counts[o] = (counts[o] ?? 0) + 1;
    return counts;
  }, {});

const tallyText = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ');

describe('nginx in front of two nodes', () => {
  it(`${USERS} users from ${USERS} addresses join and connect through nginx: every socket connected`, async () => {
    const spaces = Array.from({ length: SPACES }, () => uniqueSpace('proxy'));
    const joinMs: number[] = [];
    const connectMs: number[] = [];
    const failures: string[] = [];
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < USERS; i = next++) {
          const address = userAddress(i);
          const agent = agentFor(address);
          try {
            const joinStart = performance.now();
            const grant = await joinAs(agent, spaces[i % SPACES] as string, `User ${i + 1}`);
            const connectStart = performance.now();
            const { socket, outcome } = await openSocket(grant.token, agent);
            if (outcome !== 'connected') {
              failures.push(`${address}: ${outcome}`);
              continue;
            }
            joinMs.push(connectStart - joinStart);
            connectMs.push(performance.now() - connectStart);
            const user: User = { address, socket, disconnects: [] };
            socket.on('disconnect', (reason) => user.disconnects.push(reason));
            users.push(user);
          } catch (err) {
            failures.push(`${address}: ${(err as Error).message}`);
          }
        }
      }),
    );
    const totalMs = performance.now() - started;
    report.asserted(
      'Users connected through nginx, each from its own address',
      { connected: users.length, failures: failures.slice(0, 5) },
      (got) => expect(got).toEqual({ connected: USERS, failures: [] }),
      `${users.length} of ${USERS}` +
        (failures.length > 0
          ? `; ${failures.length} failed: ${tallyText(tally(failures.map((f) => f.split(': ')[1] ?? f)))}`
          : ''),
    );
    report.measured(
      'Join (POST /api/sessions through nginx) p50 / p99',
      `${ms(percentile(joinMs, 50))} / ${ms(percentile(joinMs, 99))}`,
    );
    report.measured(
      'Socket connect (io() to connect, through nginx) p50 / p99',
      `${ms(percentile(connectMs, 50))} / ${ms(percentile(connectMs, 99))}`,
    );
    report.measured(`Total time for ${USERS} users (${CONCURRENCY} at a time)`, ms(totalMs));

    const perNode = await socketsPerNode();
    report.asserted(
      'Sockets the nodes hold (their /metrics)',
      perNode,
      (counts) => expect(counts.reduce((a, b) => a + b, 0)).toBe(USERS),
      `${perNode.join(' + ')} = ${perNode.reduce((a, b) => a + b, 0)}`,
    );
    report.note(
      `With MAX_CONNECTIONS_PER_IP=${MAX_CONNECTIONS_PER_IP}, users who reached the nodes under one address (nginx's own, ` +
        `as the old template's Socket.IO location sent them) could hold at most ${2 * MAX_CONNECTIONS_PER_IP} sockets ` +
        `on the two nodes: all ${USERS} connected means every user was counted under their own address.`,
    );
  });

  it('one address that floods is still limited: the connection cap, then the handshake rate', async () => {
    const [first] = cluster.nodes();
    const tab = await tabOn(first);

    // The cap: sockets from one address held on one node.
    const hoarder = agentFor('127.0.9.1');
    const grant = await joinAs(hoarder, uniqueSpace('proxy-hoard'), 'Tab Hoarder');
    const hoard = await Promise.all(
      Array.from({ length: CAP_FLOOD }, () => openSocket(grant.token, hoarder, { tab, transports: ['websocket'] })),
    );
    extras.push(...hoard.map((h) => h.socket));
    const capCounts = tally(hoard.map((h) => h.outcome));
    report.asserted(
      `${CAP_FLOOD} sockets at once from one address to one node`,
      capCounts,
      (got) =>
        expect(got).toEqual({ connected: MAX_CONNECTIONS_PER_IP, RATE_LIMITED: CAP_FLOOD - MAX_CONNECTIONS_PER_IP }),
      `${tallyText(capCounts)} (the cap is ${MAX_CONNECTIONS_PER_IP})`,
    );
    for (const h of hoard) h.socket.disconnect();

    // The handshake rate: a forged token, so a handshake that gets past the rate is refused UNAUTHORIZED
    // by the session check, and one refused RATE_LIMITED never reached it.
    const flooder = agentFor('127.0.9.2');
    const floodStart = performance.now();
    const flood = await Promise.all(
      Array.from({ length: HANDSHAKE_FLOOD }, () =>
        openSocket('forged-token', flooder, { tab, transports: ['websocket'] }),
      ),
    );
    const floodMs = performance.now() - floodStart;
    const refilled = Math.floor((floodMs / 1000) * HANDSHAKE_RATE.perSecond) + 1;
    const floodCounts = tally(flood.map((f) => f.outcome));
    report.asserted(
      `${HANDSHAKE_FLOOD} handshakes at once from one address to one node`,
      floodCounts,
      (got) => {
        expect(Object.keys(got).sort()).toEqual(['RATE_LIMITED', 'UNAUTHORIZED']);
        expect(got.UNAUTHORIZED).toBeGreaterThanOrEqual(HANDSHAKE_RATE.burst);
        expect(got.UNAUTHORIZED).toBeLessThanOrEqual(HANDSHAKE_RATE.burst + refilled);
      },
      `${tallyText(floodCounts)} in ${ms(floodMs)} (the rate: a burst of ${HANDSHAKE_RATE.burst}, then ` +
        `${HANDSHAKE_RATE.perSecond}/s, so at most ${HANDSHAKE_RATE.burst + refilled} reach the session check)`,
    );

    // Neither flood touched anyone else: a newcomer on the same node, from an address of their own.
    const neighbour = agentFor('127.0.9.3');
    const newcomer = await openSocket(
      (await joinAs(neighbour, uniqueSpace('proxy-neighbour'), 'Neighbour')).token,
      neighbour,
      { tab },
    );
    extras.push(newcomer.socket);
    report.asserted('A newcomer from another address meanwhile, same node', newcomer.outcome, (o) =>
      expect(o).toBe('connected'),
    );
    newcomer.socket.disconnect();
  });

  it('a client sending its Origin is accepted through nginx, WebSocket-first and polling alike', async () => {
    const browser = agentFor('127.0.9.4');
    const grant = await joinAs(browser, uniqueSpace('proxy-origin'), 'Origin');
    const outcomes: Record<string, string> = {};
    for (const [label, transports, origin] of [
      ['WebSocket-first, its own Origin', ['websocket'], entry()],
      ['polling-first, its own Origin', ['polling', 'websocket'], entry()],
      ['WebSocket-first, a foreign Origin', ['websocket'], 'http://evil.example'],
    ] as const) {
      const { socket, outcome } = await openSocket(grant.token, browser, { transports: [...transports], origin });
      extras.push(socket);
      socket.disconnect();
      outcomes[label] = outcome;
    }
    report.asserted(
      'Handshakes with an Origin, through nginx',
      outcomes,
      (got) => {
        expect(got['WebSocket-first, its own Origin']).toBe('connected');
        expect(got['polling-first, its own Origin']).toBe('connected');
        expect(got['WebSocket-first, a foreign Origin']).not.toBe('connected');
      },
      Object.entries(outcomes)
        .map(([label, outcome]) => `${label}: ${outcome === 'connected' ? 'connected' : `refused (${outcome})`}`)
        .join('; '),
    );
  });

  it('/metrics is refused through nginx however it is spelled, while the node serves it', async () => {
    const spellings = [
      '/metrics',
      '/METRICS',
      '/Metrics?x',
      '//metrics',
      '/metrics/',
      '/%6Detrics',
      '/api/../metrics',
      '/metrics/../METRICS/',
    ];
    const [first] = cluster.nodes();
    const direct = await Promise.all(['/metrics', '/METRICS', '/metrics/'].map((p) => request(first, p)));
    report.asserted(
      'The node itself, GET /metrics, /METRICS, /metrics/',
      direct.map((r) => r.status),
      (statuses) => expect(statuses[0]).toBe(200),
      `${direct.map((r) => r.status).join(', ')} (Express routes are case-insensitive and ignore a trailing slash)`,
    );
    const through = await Promise.all(spellings.map(async (p) => [p, (await request(entry(), p)).status] as const));
    report.asserted(
      'The same through nginx',
      through,
      (got) => expect(got.filter(([, status]) => status !== 404)).toEqual([]),
      through.map(([p, status]) => `${p} ${status}`).join(', '),
    );
  });

  it('every user stayed connected through the floods', async () => {
    const dropped = users.filter((u) => !u.socket.connected || u.disconnects.length > 0);
    report.asserted(
      'Users disconnected meanwhile',
      dropped.length,
      (n) => expect(n).toBe(0),
      `${dropped.length} of ${users.length}` +
        (dropped.length > 0 ? ` (${tallyText(tally(dropped.flatMap((u) => u.disconnects)))})` : ''),
    );
    let perNode: number[] = [];
    // The nodes let go of the floods' sockets as they handle each close: 10 s leaves room for a loaded machine.
    await expect
      .poll(
        async () => {
          perNode = await socketsPerNode();
          return perNode.reduce((a, b) => a + b, 0);
        },
        { timeout: 10_000 },
      )
      .toBe(USERS)
      .catch(() => {});
    report.asserted(
      'Sockets the nodes hold once the floods closed theirs',
      perNode.reduce((a, b) => a + b, 0),
      (n) => expect(n).toBe(USERS),
      `${perNode.join(' + ')} = ${perNode.reduce((a, b) => a + b, 0)}`,
    );
    const onWebSocket = users.filter((u) => u.socket.io.engine?.transport.name === 'websocket').length;
    report.measured('Users whose socket upgraded to WebSocket through nginx', `${onWebSocket} of ${users.length}`);
  });
});
