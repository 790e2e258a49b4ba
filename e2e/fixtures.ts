import { randomBytes } from 'node:crypto';
import { test as base, expect, type Page } from '@playwright/test';
import { type HuddleCluster, startHuddleCluster } from './huddle-cluster.js';
import { type HuddleServer, startHuddleServer } from './huddle-server.js';

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
      if (topology === 'cluster') {
        // Each user of a test on a node of their own (round robin past three).
        const cluster = server as HuddleCluster;
        await joinOnNode(page, cluster, space, name, (contexts.length - 1) % cluster.nodes.length);
      } else {
        await joinSpace(page, space, name);
      }
      return page;
    });
    for (const context of contexts) await context.close();
  },
});

export { expect };

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

/** Joins through nginx on `cluster.nodes[node]`: the page gets a tab id that nginx hashes to that node. */
async function joinOnNode(page: Page, cluster: HuddleCluster, space: string, name: string, node: number) {
  const tab = await cluster.tabOn(node);
  // The web client keeps its tab id under this sessionStorage key (apps/web/src/lib/socket.ts).
  await page.addInitScript(`sessionStorage.setItem('huddle:tab', ${JSON.stringify(tab)})`);
  const before = await cluster.socketsPerNode();
  await joinSpace(page, space, name);
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
