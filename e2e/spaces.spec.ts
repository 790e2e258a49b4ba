import type { Page } from '@playwright/test';
import { expect, expectConnected, test } from './fixtures.js';

const you = (page: Page) => page.getByRole('button', { name: /^You:/ });
const composer = (page: Page) => page.getByRole('textbox', { name: /^Message / });
const messages = (page: Page) => page.getByRole('log', { name: /^Messages / }).getByTestId('chat-message');

test('a member renames: every tab of everyone shows the new name, in the people list and in history', async ({
  actor,
  space,
}) => {
  const ana = await actor('Ana');
  const bo = await actor('Bo');
  const boSecond = await bo.context().newPage();
  await boSecond.goto(`/s/${space}`);
  await expectConnected(boSecond);
  await composer(bo).fill('hello from Bo');
  await composer(bo).press('Enter');
  await expect(messages(ana).filter({ hasText: 'hello from Bo' })).toContainText('Bo');

  await you(bo).click();
  const dialog = bo.getByTestId('you-dialog');
  await dialog.getByLabel('Name').fill('Bea');
  await dialog.getByRole('button', { name: 'Rename' }).click();
  await expect(dialog.getByText('Name changed')).toBeVisible();
  await bo.keyboard.press('Escape');

  for (const page of [bo, boSecond]) await expect(page.getByTestId('user-name')).toHaveText('Bea');
  await expect(messages(ana).filter({ hasText: 'hello from Bo' })).toContainText('Bea');
  await ana.getByRole('button', { name: /^Space/ }).click();
  await expect(ana.getByTestId('member-name')).toHaveText(['Ana', 'Bea']);
  // History read after a reload names her as she is now.
  await ana.reload();
  await expectConnected(ana);
  await expect(messages(ana).filter({ hasText: 'hello from Bo' })).toContainText('Bea');
  await expect(messages(ana).filter({ hasText: 'hello from Bo' })).not.toContainText(/\bBo\b/);
});

test('a one-time link signs a phone in as the same person; the laptop lists it and signs it out', async ({
  actor,
  browser,
  server,
  space,
}) => {
  const laptop = await actor('Ana');
  await you(laptop).click();
  const dialog = laptop.getByTestId('you-dialog');
  await dialog.getByRole('button', { name: 'Create a sign-in link' }).click();
  const link = await dialog.getByTestId('device-link').inputValue();
  expect(link).toMatch(new RegExp(`/s/${space}\\?link=[A-Za-z0-9_-]{24}$`));
  await expect(dialog.getByTestId('device-link-countdown')).toHaveText(/Expires in (9|10):\d\d/);

  const phoneContext = await browser.newContext({ baseURL: server.url });
  const phone = await phoneContext.newPage();
  await phone.goto(link);
  await expectConnected(phone);
  await expect(phone.getByTestId('user-name')).toHaveText('Ana');
  await expect(phone).toHaveURL(new RegExp(`/s/${space}$`));

  // The link worked once: a third browser gets nowhere with it.
  const thief = await browser.newContext({ baseURL: server.url });
  const thiefPage = await thief.newPage();
  await thiefPage.goto(link);
  await expect(thiefPage.getByText(/expired or was already used/)).toBeVisible();

  // The laptop's list shows both devices (reopened, to read it afresh); it signs the phone out.
  await laptop.keyboard.press('Escape');
  await you(laptop).click();
  const devices = laptop.getByTestId('device-list').getByRole('listitem');
  await expect(devices).toHaveCount(2);
  await devices.filter({ hasNotText: 'This device' }).getByRole('button', { name: 'Sign out' }).click();
  await expect(phone.getByText('You were signed out of this space on this device.')).toBeVisible();
  await expect(devices).toHaveCount(1);
  await expectConnected(laptop);
  await phoneContext.close();
  await thief.close();
});
