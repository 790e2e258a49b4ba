import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import type { HuddleCluster } from './huddle-cluster.js';
import type { HuddleServer } from './huddle-server.js';

const composer = (page: Page) => page.getByRole('textbox', { name: /^Message / });
const messages = (page: Page) => page.getByRole('log', { name: /^Messages / }).getByTestId('chat-message');
const connected = (page: Page) => page.getByRole('status').filter({ hasText: 'Connected' });

test('a node killed under traffic: its users reconnect through nginx and nothing acknowledged is lost or doubled', async ({
  actor,
  server,
}) => {
  const cluster = server as HuddleServer as HuddleCluster;
  const total = async () => (await cluster.socketsPerNode()).reduce((a, b) => a + b, 0);
  const ana = await actor('Ana');

  const anaNode = (await cluster.socketsPerNode()).indexOf(1);
  expect(anaNode).toBeGreaterThanOrEqual(0);

  // The cluster fixture puts each user of a test on a node of their own.
  const bo = await actor('Bo');
  await expect.poll(total).toBe(2);
  expect((await cluster.socketsPerNode())[anaNode]).toBe(1);

  const sent: string[] = [];
  async function say(page: Page, text: string) {
    sent.push(text);
    await composer(page).fill(text);
    await composer(page).press('Enter');
  }
  for (let i = 1; i <= 4; i += 1) {
    await say(ana, `ana before ${i}`);
    await say(bo, `bo before ${i}`);
  }
  await expect(messages(bo)).toHaveCount(8);

  const killedAt = Date.now();
  await cluster.nodes[anaNode]?.crash();
  // Timed by the surviving nodes, while the users go on typing: Ana is back once they hold both tabs.
  // (Timing it through the page would add the typing below, which takes seconds in Chromium here.)
  const survivorsHold = async () =>
    (await cluster.socketsPerNode()).reduce((sum, n, i) => (i === anaNode ? sum : sum + n), 0);
  const reconnected = (async () => {
    await expect.poll(survivorsHold, { intervals: [100], timeout: 20_000 }).toBe(2);
    return Date.now();
  })();
  for (let i = 1; i <= 3; i += 1) {
    await say(bo, `bo during ${i}`);
    await say(ana, `ana during ${i}`);
  }

  const reconnectMs = (await reconnected) - killedAt;
  test.info().annotations.push({ type: 'reconnect-ms', description: String(reconnectMs) });
  expect(reconnectMs).toBeLessThan(10_000);
  await expect(connected(ana)).toBeVisible();

  for (const page of [ana, bo]) {
    await expect(messages(page)).toHaveCount(sent.length, { timeout: 15_000 });
    await expect(messages(page).and(page.locator('[data-status="sent"]'))).toHaveCount(sent.length);
    const shown = await messages(page).getByTestId('chat-text').allTextContents();
    // Each message once, and each sender's messages in the order they were written.
    expect([...shown].sort()).toEqual([...sent].sort());
    for (const who of ['ana', 'bo']) {
      const mine = (texts: string[]) => texts.filter((t) => t.startsWith(who));
      expect(mine(shown)).toEqual(mine(sent));
    }
  }
  // Bo sees Ana leave only if her last tab was on the dead node and did not come back: she is back.
  await expect(bo.getByRole('list', { name: 'People here' }).getByRole('listitem')).toHaveCount(2);
});
