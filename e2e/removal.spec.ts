import type { Browser, Page } from '@playwright/test';
import { connectedSockets, createSpace, expect, expectConnected, placeOnNode, test } from './fixtures.js';
import type { HuddleCluster } from './huddle-cluster.js';
import type { HuddleServer } from './huddle-server.js';

/** A person: their own browser context (own storage, own session), clipboard allowed. */
async function person(browser: Browser, server: HuddleServer) {
  return browser.newContext({ baseURL: server.url, permissions: ['clipboard-read', 'clipboard-write'] });
}

async function tabOn(context: Awaited<ReturnType<typeof person>>, server: HuddleServer, node: number): Promise<Page> {
  const page = await context.newPage();
  await placeOnNode(page, server, node);
  return page;
}

// Runs on one server and in the `cluster` project, where Olga's tab and Bo's two tabs are on three
// different nodes: the removal must reach every node.
test('a private space: an invite lets Bo in, a stranger sees the private page, removing Bo closes both his tabs for good', async ({
  browser,
  server,
  space,
}) => {
  const olga = await person(browser, server);
  const olgaPage = await tabOn(olga, server, 0);
  await createSpace(olgaPage, space, 'Olga', 'private');

  await olgaPage.getByRole('button', { name: 'Invite people' }).click();
  const inviteDialog = olgaPage.getByTestId('invite-dialog');
  await inviteDialog.getByRole('button', { name: 'Create link' }).click();
  const linkField = inviteDialog.getByTestId('invite-link');
  await expect(linkField).toHaveValue(new RegExp(`/s/${space}\\?invite=[A-Za-z0-9_-]{24}$`));
  const link = await linkField.inputValue();
  await inviteDialog.getByRole('button', { name: 'Copy' }).click();
  await expect(inviteDialog.getByText('Copied')).toBeVisible();
  // The page's own clipboard (the e2e tsconfig has no DOM types: the function runs in the browser).
  expect(await olgaPage.evaluate('navigator.clipboard.readText()')).toBe(link);
  await olgaPage.keyboard.press('Escape');

  // Bo follows the invite; his second tab opens the space's plain link and is in at once.
  const bo = await person(browser, server);
  const boFirst = await tabOn(bo, server, 1);
  await boFirst.goto(link);
  await boFirst.getByLabel('Your name').fill('Bo');
  await boFirst.getByRole('button', { name: 'Join' }).click();
  await expectConnected(boFirst);
  await expect(boFirst).toHaveURL(new RegExp(`/s/${space}$`));
  const boSecond = await tabOn(bo, server, 2);
  await boSecond.goto(`/s/${space}`);
  await expectConnected(boSecond);
  if ('nodes' in server) expect(await (server as HuddleCluster).socketsPerNode()).toEqual([1, 1, 1]);

  // Cy has only the space's name.
  const cy = await person(browser, server);
  const cyPage = await cy.newPage();
  await cyPage.goto(`/s/${space}`);
  await expect(cyPage.getByText('This space is private — ask a member for an invite')).toBeVisible();
  await expect(cyPage.getByLabel('Your name')).toHaveCount(0);

  await olgaPage.getByRole('button', { name: /^Space/ }).click();
  const boRow = olgaPage.getByTestId('member-row').filter({ hasText: 'Bo' });
  await expect(boRow.getByTestId('member-role')).toHaveText(/member/i);
  await boRow.getByRole('button', { name: 'Remove' }).click();
  await boRow.getByLabel(/Also block them/).check();
  const before = await connectedSockets(server);
  await boRow.getByRole('button', { name: 'Remove Bo' }).click();

  for (const page of [boFirst, boSecond]) {
    await expect(page.getByText('You were removed from this space')).toBeVisible({ timeout: 2_000 });
  }
  await expect.poll(() => connectedSockets(server)).toBe(before - 2);
  await expect(olgaPage.getByTestId('member-row')).toHaveCount(1);

  // He cannot come back: not by reloading, not with the invite link that let him in.
  await boFirst.reload();
  await expect(boFirst.getByText('You were removed from this space')).toBeVisible();
  // (The page cannot know he was blocked: the server says so when the browser that was his tries to join.)
  await boFirst.goto(link);
  await boFirst.getByLabel('Your name').fill('Bo again');
  await boFirst.getByRole('button', { name: 'Join' }).click();
  await expect(boFirst.getByText('You were removed from this space')).toBeVisible();
  await expect(boFirst.getByRole('status').filter({ hasText: 'Connected' })).toHaveCount(0);
  for (const context of [olga, bo, cy]) await context.close();
});
