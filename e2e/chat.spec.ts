import type { Page } from '@playwright/test';
import { expect, expectConnected, test } from './fixtures.js';

const log = (page: Page) => page.getByRole('log', { name: /^Messages (in|with) / });
const composer = (page: Page) => page.getByRole('textbox', { name: /^Message / });
const people = (page: Page) => page.getByRole('list', { name: 'People here' });
const messages = (page: Page) => log(page).getByTestId('chat-message');
const channel = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Channels' }).getByRole('button', { name: new RegExp(`^#${name}\\b`) });
const direct = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Direct messages' }).getByRole('button', { name: new RegExp(`^@${name}\\b`) });

async function say(page: Page, text: string) {
  await composer(page).fill(text);
  await composer(page).press('Enter');
  await expect(messages(page).filter({ hasText: text }).last()).toHaveAttribute('data-status', 'sent');
}

test.describe('chat', () => {
  test('two users chat both ways in general, each message shown once with its author', async ({ actor }) => {
    const ana = await actor('Ana');
    const bo = await actor('Bo');
    await expect(log(ana)).toHaveAccessibleName('Messages in #general');

    await say(ana, 'Hello Bo, ready for standup?');
    const atBo = messages(bo).filter({ hasText: 'Hello Bo, ready for standup?' });
    await expect(atBo).toHaveCount(1);
    await expect(atBo.getByTestId('chat-author')).toHaveText('Ana');

    await say(bo, 'Yes! Two minutes.');
    await expect(messages(ana).filter({ hasText: 'Yes! Two minutes.' })).toHaveCount(1);
    await expect(messages(ana)).toHaveCount(2);
    await expect(messages(bo)).toHaveCount(2);
  });

  test('everyone sees who is here; closing the last tab of a user removes them once', async ({ actor, space }) => {
    const ana = await actor('Ana');
    const bo = await actor('Bo');
    const boSecondTab = await bo.context().newPage();
    await boSecondTab.goto(`/s/${space}`);
    await expectConnected(boSecondTab);
    const cy = await actor('Cy');

    for (const page of [ana, bo, cy]) {
      await expect(people(page).getByRole('listitem')).toHaveCount(3);
    }
    await expect(people(cy)).toContainText('Bo');
    await expect(people(cy).getByRole('listitem').filter({ hasText: 'Cy' })).toContainText('(you)');

    // One of Bo's two tabs closes: Bo is still here.
    await bo.close();
    await expect(cy.getByTestId('chat-notice').filter({ hasText: 'Bo joined' })).toHaveCount(0);
    await expect(people(cy).getByRole('listitem')).toHaveCount(3);

    await boSecondTab.close();
    await expect(people(cy).getByRole('listitem')).toHaveCount(2);
    await expect(people(cy)).not.toContainText('Bo');
    await expect(log(cy).getByTestId('chat-notice').filter({ hasText: 'Bo left' })).toHaveCount(1);
    await expect(people(ana).getByRole('listitem')).toHaveCount(2);
  });

  test('a direct message reaches only its recipient', async ({ actor }) => {
    const ana = await actor('Ana');
    const bo = await actor('Bo');
    const cy = await actor('Cy');
    await expect(people(ana).getByRole('listitem')).toHaveCount(3);

    await people(ana).getByRole('button', { name: 'Message Bo' }).click();
    await expect(log(ana)).toHaveAccessibleName('Messages with Bo');
    await say(ana, 'Psst, lunch at noon?');

    await expect(direct(bo, 'Ana')).toContainText('1');
    await direct(bo, 'Ana').click();
    await expect(log(bo)).toHaveAccessibleName('Messages with Ana');
    await expect(messages(bo).filter({ hasText: 'Psst, lunch at noon?' })).toHaveCount(1);
    await say(bo, 'Sure');
    await expect(messages(ana).filter({ hasText: 'Sure' })).toHaveCount(1);

    // Cy has no such conversation, and nothing leaked into general.
    await say(cy, 'Anyone around?');
    await expect(messages(ana).filter({ hasText: 'Anyone around?' })).toHaveCount(0);
    await expect(cy.getByRole('navigation', { name: 'Direct messages' }).getByRole('button')).toHaveCount(0);
    await expect(cy.getByText('Psst, lunch at noon?')).toHaveCount(0);
  });

  test('HTML in a message is shown as text, never run', async ({ actor }) => {
    const ana = await actor('Ana');
    const bo = await actor('Bo');
    let dialogs = 0;
    bo.on('dialog', (dialog) => {
      dialogs += 1;
      void dialog.dismiss();
    });
    const payload = '<img src=x onerror=alert(1)> <script>alert(2)</script>';
    await say(ana, payload);
    const shown = messages(bo).filter({ hasText: '<img src=x onerror=alert(1)>' });
    await expect(shown.getByTestId('chat-text')).toHaveText(payload);
    await expect(log(bo).locator('img, script')).toHaveCount(0);
    expect(dialogs).toBe(0);
  });

  test('a reload shows the history, and links open safely', async ({ actor }) => {
    const ana = await actor('Ana');
    await say(ana, 'first');
    await say(ana, 'second, see https://example.com/notes.');
    await say(ana, 'third');
    await ana.reload();
    await expectConnected(ana);
    await expect(messages(ana)).toHaveCount(3);
    await expect(messages(ana).getByTestId('chat-text')).toHaveText(['first', /^second/, 'third']);
    const link = messages(ana).getByRole('link', { name: 'https://example.com/notes' });
    await expect(link).toHaveAttribute('href', 'https://example.com/notes');
    await expect(link).toHaveAttribute('rel', /noopener/);
  });

  test('channels: create one, see it everywhere, count unread until viewed', async ({ actor }) => {
    const ana = await actor('Ana');
    const bo = await actor('Bo');
    await ana.getByRole('button', { name: 'New channel' }).click();
    await ana.getByLabel('Channel name').fill('bad name!');
    await ana.getByRole('button', { name: 'Create' }).click();
    await expect(ana.getByRole('alert').filter({ hasText: /lowercase letters/ })).toBeVisible();
    await ana.getByLabel('Channel name').fill('Design');
    await ana.getByRole('button', { name: 'Create' }).click();
    await expect(log(ana)).toHaveAccessibleName('Messages in #design');
    await expect(channel(bo, 'design')).toBeVisible();

    await say(ana, 'Mockups are up');
    await say(ana, 'Feedback welcome');
    await expect(channel(bo, 'design')).toContainText('2');
    await expect(log(bo)).toHaveAccessibleName('Messages in #general');
    await expect(messages(bo).filter({ hasText: 'Mockups are up' })).toHaveCount(0);

    await channel(bo, 'design').click();
    await expect(channel(bo, 'design')).toHaveAttribute('aria-current', 'true');
    await expect(messages(bo)).toHaveCount(2);
    await expect(channel(bo, 'design')).not.toContainText('2');
  });

  test('typing shows for the others and goes away when the message arrives', async ({ actor }) => {
    const ana = await actor('Ana');
    const bo = await actor('Bo');
    await composer(ana).pressSequentially('On my way');
    await expect(bo.getByTestId('typing-indicator')).toHaveText('Ana is typing…');
    await expect(ana.getByText('Ana is typing…')).toHaveCount(0);
    await composer(ana).press('Enter');
    await expect(messages(bo).filter({ hasText: 'On my way' })).toHaveCount(1);
    await expect(bo.getByText('Ana is typing…')).toHaveCount(0);
  });

  test('a message sent while the server is down is sent once it is back, exactly once', async ({ actor, server }) => {
    const ana = await actor('Ana');
    const bo = await actor('Bo');
    await say(ana, 'before the outage');
    await server.crash();
    await expect(ana.getByRole('status').filter({ hasText: /Reconnecting|Offline/ })).toBeVisible();
    await composer(ana).fill('written during the outage');
    await composer(ana).press('Enter');
    const pending = messages(ana).filter({ hasText: 'written during the outage' });
    await expect(pending).toHaveAttribute('data-status', /pending|failed/);

    await server.relaunch();
    await expect(pending).toHaveAttribute('data-status', 'sent', { timeout: 15_000 });
    await expect(messages(bo).filter({ hasText: 'written during the outage' })).toHaveCount(1, { timeout: 15_000 });
    await expect(messages(bo)).toHaveCount(2);
    await expect(messages(ana)).toHaveCount(2);
  });
});
