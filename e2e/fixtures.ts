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
  server: async ({ serverEnv, topology }, use) => {
    const server = topology === 'cluster' ? await startHuddleCluster(serverEnv) : await startHuddleServer(serverEnv);
    await use(server);
    await server.stop();
  },
  baseURL: async ({ server }, use) => use(server.url),
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads fixture dependencies from this pattern
  space: async ({}, use) => use(`e2e-${randomBytes(3).toString('hex')}`),
  actor: async ({ browser, server, space, topology }, use) => {
    const contexts: Awaited<ReturnType<typeof browser.newContext>>[] = [];
    const usedNodes = new Set<number>();
    await use(async (name) => {
      const context = await browser.newContext({ baseURL: server.url });
      contexts.push(context);
      const page = await context.newPage();
      if (topology === 'cluster') {
        usedNodes.add(await joinOnAnotherNode(page, server as HuddleCluster, space, name, usedNodes));
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
  await expect(page.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
}

/**
 * Joins through nginx and reloads (a new tab id, hashed anew) until the page's socket is on a node no
 * other actor uses, while there is one: users of a test are spread over the nodes. Returns the node.
 */
async function joinOnAnotherNode(
  page: Page,
  cluster: HuddleCluster,
  space: string,
  name: string,
  used: ReadonlySet<number>,
): Promise<number> {
  const before = await cluster.socketsPerNode();
  const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
  await joinSpace(page, space, name);
  for (let attempt = 0; ; attempt += 1) {
    await expect.poll(async () => total(await cluster.socketsPerNode())).toBe(total(before) + 1);
    const after = await cluster.socketsPerNode();
    const node = after.findIndex((n, i) => n > (before[i] ?? 0));
    if (!used.has(node) || used.size >= cluster.nodes.length || attempt >= 20) return node;
    await page.reload();
    await expect(page.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
  }
}

export function tomato(page: Page) {
  return page.getByRole('button', { name: /^Pomodoro:/ });
}

/** Seconds shown by the mm:ss countdown. */
export async function countdownSeconds(page: Page): Promise<number> {
  const text = (await page.getByTestId('pomodoro-countdown').textContent()) ?? '';
  const match = /(\d+):(\d{2})/.exec(text);
  if (!match) throw new Error(`no countdown in "${text}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}
