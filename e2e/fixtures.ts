import { randomBytes } from 'node:crypto';
import { test as base, expect, type Page } from '@playwright/test';
import { type HuddleServer, startHuddleServer } from './huddle-server.js';

/** Short periods so a whole pomodoro cycle fits in a test. */
export const FAST_POMODORO = {
  POMODORO_WORK_SECONDS: '2',
  POMODORO_SHORT_BREAK_SECONDS: '3',
  POMODORO_LONG_BREAK_SECONDS: '3',
  POMODORO_CYCLES: '2',
};

interface Fixtures {
  /** Environment of this test's server; override with `test.use({ serverEnv })`. */
  serverEnv: Record<string, string>;
  server: HuddleServer;
  /** A fresh space slug for this test. */
  space: string;
  /** A user in their own browser context (own storage, own session), already joined to `space`. */
  actor(name: string): Promise<Page>;
}

export const test = base.extend<Fixtures>({
  serverEnv: [FAST_POMODORO, { option: true }],
  server: async ({ serverEnv }, use) => {
    const server = await startHuddleServer(serverEnv);
    await use(server);
    await server.stop();
  },
  baseURL: async ({ server }, use) => use(server.url),
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads fixture dependencies from this pattern
  space: async ({}, use) => use(`e2e-${randomBytes(3).toString('hex')}`),
  actor: async ({ browser, server, space }, use) => {
    const contexts: Awaited<ReturnType<typeof browser.newContext>>[] = [];
    await use(async (name) => {
      const context = await browser.newContext({ baseURL: server.url });
      contexts.push(context);
      const page = await context.newPage();
      await joinSpace(page, space, name);
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
