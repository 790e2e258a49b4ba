import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import {
  type Ack,
  type ChatMessage,
  PROTOCOL_VERSION,
  ServerEvent,
  type SessionGrant,
} from '../packages/protocol/src/index.js';
import { type HuddleCluster, startHuddleCluster } from './huddle-cluster.js';
import { type HuddleServer, METRICS_HEADERS, startHuddleServer } from './huddle-server.js';

/** A short work period so a test sees it end; breaks long enough to check them before they end. */
export const FAST_POMODORO = {
  POMODORO_WORK_SECONDS: '2',
  POMODORO_SHORT_BREAK_SECONDS: '30',
  POMODORO_LONG_BREAK_SECONDS: '30',
  POMODORO_CYCLES: '2',
};

interface Fixtures {
  /** Environment of this test's server; override with `test.use({ serverEnv })`. */
  serverEnv: Record<string, string>;
  /** One server process, or three nodes on PostgreSQL + Redis behind nginx (the "cluster" project). */
  topology: 'single' | 'cluster';
  server: HuddleServer;
  /** A fresh space slug for this test. */
  space: string;
  /** A user in their own browser context (own storage, own session), already joined to `space`. */
  actor(name: string): Promise<Page>;
}

export const test = base.extend<Fixtures>({
  serverEnv: [FAST_POMODORO, { option: true }],
  topology: ['single', { option: true }],
  server: async ({ serverEnv, topology }, use, testInfo) => {
    const server = topology === 'cluster' ? await startHuddleCluster(serverEnv) : await startHuddleServer(serverEnv);
    await use(server);
    // A failure's report carries what the server said meanwhile: attached whole, and its last lines
    // printed (the reporter shows only the start of an attachment, and CI keeps only what is printed).
    if (testInfo.status !== testInfo.expectedStatus) {
      const log = server.recentLog();
      await testInfo.attach('server-log', { body: log, contentType: 'text/plain' });
      console.error(`server log, last lines:\n${log.split('\n').slice(-60).join('\n')}`);
    }
    await server.stop();
  },
  baseURL: async ({ server }, use) => use(server.url),
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads fixture dependencies from this pattern
  space: async ({}, use) => use(`e2e-${randomBytes(3).toString('hex')}`),
  actor: async ({ browser, server, space, topology }, use) => {
    const contexts: Awaited<ReturnType<typeof browser.newContext>>[] = [];
    await use(async (name) => {
      const context = await browser.newContext({ baseURL: server.url });
      contexts.push(context);
      const page = await context.newPage();
      // The first actor starts the space (open, as the seeds' spaces are); the others join by its link.
      const how = contexts.length === 1 ? 'create' : 'join';
      if (topology === 'cluster') {
        // Each user of a test on a node of their own (round robin past three).
        const cluster = server as HuddleCluster;
        await joinOnNode(page, cluster, space, name, (contexts.length - 1) % cluster.nodes.length, how);
      } else if (how === 'create') {
        await createSpace(page, space, name, 'open');
      } else {
        await joinSpace(page, space, name);
      }
      return page;
    });
    for (const context of contexts) await context.close();
  },
});

export { expect };

/** Starts a space from the home page, as its owner. */
export async function createSpace(
  page: Page,
  space: string,
  name: string,
  visibility: 'open' | 'private',
): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Space name').fill(space);
  await page.getByRole('radio', { name: visibility === 'open' ? /^Open/ : /^Private/ }).check();
  await page.getByRole('button', { name: 'Start the huddle' }).click();
  await expect(page).toHaveURL(new RegExp(`/s/${space}$`));
  await expectConnected(page);
}

export async function joinSpace(page: Page, space: string, name: string): Promise<void> {
  await page.goto(`/s/${space}`);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Join' }).click();
  await expectConnected(page);
}

/**
 * Waits for the page to show "Connected". Longer than other waits: a (re)connection is the page load's
 * last step, and on this 2-core machine it can coincide with the other worker starting or stopping three
 * server nodes, nginx and a database (one CI run took over 10 s; connection latency lives in bench/).
 */
export async function expectConnected(page: Page, timeout = 20_000): Promise<void> {
  await expect(page.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible({ timeout });
}

/**
 * On the cluster topology, makes the page's tab land on `cluster.nodes[node]` through nginx (it must run
 * before the page's first navigation); on a single server it does nothing.
 */
export async function placeOnNode(page: Page, server: HuddleServer, node: number): Promise<void> {
  if (!('nodes' in server)) return;
  const tab = await (server as HuddleCluster).tabOn(node);
  // The web client keeps its tab id under this sessionStorage key (apps/web/src/lib/socket.ts).
  await page.addInitScript(`sessionStorage.setItem('huddle:tab', ${JSON.stringify(tab)})`);
}

/** Joins through nginx on `cluster.nodes[node]`: the page gets a tab id that nginx hashes to that node. */
async function joinOnNode(
  page: Page,
  cluster: HuddleCluster,
  space: string,
  name: string,
  node: number,
  how: 'create' | 'join',
) {
  const tab = await cluster.tabOn(node);
  // The web client keeps its tab id under this sessionStorage key (apps/web/src/lib/socket.ts).
  await page.addInitScript(`sessionStorage.setItem('huddle:tab', ${JSON.stringify(tab)})`);
  const before = await cluster.socketsPerNode();
  if (how === 'create') await createSpace(page, space, name, 'open');
  else await joinSpace(page, space, name);
  await expect.poll(async () => (await cluster.socketsPerNode())[node]).toBe((before[node] ?? 0) + 1);
}

export function tomato(page: Page) {
  return page.getByRole('button', { name: /^Pomodoro:/ });
}

/**
 * The deadline the mm:ss countdown shows, in seconds of the machine's clock: the countdown plus the
 * moment it was read, both taken in the page at once. Pages and readings taken seconds apart on a busy
 * machine compare directly (the countdown itself moves on between two reads).
 */
export async function shownDeadline(page: Page): Promise<number> {
  const countdown = page.getByTestId('pomodoro-countdown');
  const { text, at } = await countdown.evaluate((el) => ({ text: el.textContent ?? '', at: Date.now() }));
  const match = /(\d+):(\d{2})/.exec(text);
  if (!match) throw new Error(`no countdown in "${text}"`);
  return at / 1000 + Number(match[1]) * 60 + Number(match[2]);
}

/** Open Socket.IO connections on every node of `server`, read from each node's /metrics. */
export async function connectedSockets(server: HuddleServer): Promise<number> {
  const nodes = 'nodes' in server ? (server as HuddleCluster).nodes : [server];
  const counts = await Promise.all(
    nodes.map(async (node) => {
      const text = await (await fetch(`${node.url}/metrics`, { headers: METRICS_HEADERS })).text();
      return Number(/^huddle_connected_sockets (\d+)/m.exec(text)?.[1] ?? Number.NaN);
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** The part of a socket.io-client socket a test drives. */
interface ClientSocket {
  once(event: string, listener: (arg: unknown) => void): void;
  connect(): void;
  emitWithAck(event: string, payload: unknown): Promise<unknown>;
  close(): void;
}

/**
 * A user who talks to the server's Socket.IO API directly, with the client library the server's own
 * tests use (the e2e package has none of its own): it sends in a second what would take a test
 * minutes to type.
 */
export async function socketUser(baseUrl: string, space: string, name: string) {
  const response = await fetch(`${baseUrl}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ space, name, create: { visibility: 'open' } }),
  });
  if (response.status !== 201) throw new Error(`joining ${space} as ${name}: HTTP ${response.status}`);
  const grant = (await response.json()) as SessionGrant;
  const serverPackage = path.resolve(import.meta.dirname, '../apps/server/package.json');
  const { io } = createRequire(serverPackage)('socket.io-client') as {
    io(url: string, options: Record<string, unknown>): ClientSocket;
  };
  const socket = io(baseUrl, {
    path: '/socket.io',
    transports: ['websocket'],
    auth: { token: grant.token, protocolVersion: PROTOCOL_VERSION },
    reconnection: false,
    autoConnect: false,
  });
  // The conversation list comes once the server has set the connection up (and created #general in a
  // new space); a command sent before could find no channel.
  await new Promise((resolve, reject) => {
    socket.once(ServerEvent.ChatConversations, resolve);
    socket.once('connect_error', reject);
    socket.connect();
  });
  return {
    /** Sends one message and waits for the server to store it. */
    async say(conversationId: string, text: string): Promise<ChatMessage> {
      const clientId = randomBytes(16).toString('hex');
      const ack = (await socket.emitWithAck('chat:send', { conversationId, clientId, text })) as Ack<ChatMessage>;
      if (!ack.ok) throw new Error(`${name} could not send "${text}": ${ack.error.message}`);
      return ack.data;
    },
    close: () => socket.close(),
  };
}
