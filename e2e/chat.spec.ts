import type { Page } from '@playwright/test';
import { CHAT_LIMITS } from '../packages/protocol/src/index.js';
import { connectedSockets, expect, expectConnected, FAST_POMODORO, socketUser, test } from './fixtures.js';

const log = (page: Page) => page.getByRole('log', { name: /^Messages (in|with) / });
const composer = (page: Page) => page.getByRole('textbox', { name: /^Message / });
const people = (page: Page) => page.getByRole('list', { name: 'People here' });
const messages = (page: Page) => log(page).getByTestId('chat-message');
const channel = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Channels' }).getByRole('button', { name: new RegExp(`^#${name}\\b`) });
const direct = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Direct messages' }).getByRole('button', { name: new RegExp(`^@${name}\\b`) });
const notice = (page: Page, text: string) => log(page).getByTestId('chat-notice').filter({ hasText: text });

/**
 * Everything the server sent to a page over Socket.IO from now on (WebSocket frames and polling
 * responses alike): what reached the browser, whether or not the app shows it.
 */
function recordReceived(page: Page): () => Promise<string> {
  const received: (string | Promise<string>)[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => received.push(payload.toString())));
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith('/socket.io/')) received.push(response.text().catch(() => ''));
  });
  return async () => (await Promise.all(received)).join('\n');
}

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

  test('everyone sees who is here; closing the last tab of a user removes them once', async ({
    actor,
    server,
    space,
  }) => {
    const ana = await actor('Ana');
    const bo = await actor('Bo');
    const boSecondTab = await bo.context().newPage();
    await boSecondTab.goto(`/s/${space}`);
    await expectConnected(boSecondTab);
    const cy = await actor('Cy');

    for (const page of [ana, bo, boSecondTab, cy]) {
      await expect(people(page).getByRole('listitem')).toHaveCount(3);
    }
    await expect(people(cy)).toContainText('Bo');
    await expect(people(cy).getByRole('listitem').filter({ hasText: 'Cy' })).toContainText('(you)');

    // One of Bo's two tabs closes. Once the server has dropped its connection, Ana leaves too: her
    // departure is announced after whatever the closed tab caused, so once Cy sees it, a wrong
    // "Bo left" would be there too.
    const open = await connectedSockets(server);
    await bo.close();
    await expect.poll(() => connectedSockets(server), { timeout: 10_000 }).toBe(open - 1);
    await ana.close();
    await expect(notice(cy, 'Ana left')).toHaveCount(1);
    await expect(notice(cy, 'Bo left')).toHaveCount(0);
    await expect(people(cy).getByRole('listitem')).toHaveCount(2);
    await expect(people(cy)).toContainText('Bo');
    await expect(people(boSecondTab).getByRole('listitem')).toHaveCount(2);

    await boSecondTab.close();
    await expect(people(cy).getByRole('listitem')).toHaveCount(1);
    await expect(people(cy)).not.toContainText('Bo');
    await expect(notice(cy, 'Bo left')).toHaveCount(1);
    // Someone arrives after Bo left: a second announcement of Bo's departure would have come before.
    await actor('Dee');
    await expect(notice(cy, 'Dee joined')).toHaveCount(1);
    await expect(notice(cy, 'Bo left')).toHaveCount(1);
    await expect(people(cy).getByRole('listitem')).toHaveCount(2);
  });

  test('a direct message reaches only its recipient', async ({ actor }) => {
    const ana = await actor('Ana');
    const bo = await actor('Bo');
    const cy = await actor('Cy');
    // Recorded from Cy's next connection on: the reload below opens it.
    const receivedByCy = recordReceived(cy);
    await cy.reload();
    await expectConnected(cy);
    await expect(people(ana).getByRole('listitem')).toHaveCount(3);

    await people(ana).getByRole('button', { name: 'Message Bo' }).click();
    await expect(log(ana)).toHaveAccessibleName('Messages with Bo');
    await say(ana, 'Psst, lunch at noon?');

    await expect(direct(bo, 'Ana')).toContainText('1');
    await direct(bo, 'Ana').click();
    await expect(log(bo)).toHaveAccessibleName('Messages with Ana');
    await expect(messages(bo).filter({ hasText: 'Psst, lunch at noon?' })).toHaveCount(1);
    await say(bo, 'Sure, the usual place');
    await expect(messages(ana).filter({ hasText: 'Sure, the usual place' })).toHaveCount(1);

    // Ana writes in general after both direct messages: once Cy has it, a leaked one would have arrived.
    await channel(ana, 'general').click();
    await say(ana, 'Anyone around?');
    await expect(messages(cy).filter({ hasText: 'Anyone around?' })).toHaveCount(1);

    async function expectNoLeakTo(page: Page) {
      await expect(page.getByRole('navigation', { name: 'Direct messages' }).getByRole('button')).toHaveCount(0);
      await expect(page.getByTestId('unread-badge')).toHaveCount(0);
      await expect(messages(page)).toHaveCount(1);
      await expect(page.getByText(/Psst|usual place/)).toHaveCount(0);
    }
    await expect(log(cy)).toHaveAccessibleName('Messages in #general');
    await expectNoLeakTo(cy);
    const received = await receivedByCy();
    expect(received).toContain('Anyone around?');
    expect(received).not.toMatch(/Psst|usual place/);

    // After a reload Cy's conversations and general come from the server's storage.
    await cy.reload();
    await expectConnected(cy);
    await expect(messages(cy).filter({ hasText: 'Anyone around?' })).toHaveCount(1);
    await expectNoLeakTo(cy);

    // Nor did the conversation spill into Ana's or Bo's general.
    await expect(messages(ana)).toHaveCount(1);
    await channel(bo, 'general').click();
    await expect(messages(bo).filter({ hasText: 'Anyone around?' })).toHaveCount(1);
    await expect(messages(bo)).toHaveCount(1);
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

  test('a message is edited and deleted: both users’ tabs agree, also after reload', async ({ actor }) => {
    const ana = await actor('Ana');
    const bo = await actor('Bo');
    await say(ana, 'Lunch at 12?');
    await say(bo, 'Wrong chat, sorry');
    const anaAtBo = messages(bo).filter({ hasText: 'Lunch at 12' });
    await expect(anaAtBo).toHaveCount(1);
    // Only the author edits; Bo is no admin, so Ana's message has no actions for him at all.
    await expect(anaAtBo.getByRole('button')).toHaveCount(0);

    const mine = messages(ana).filter({ hasText: 'Lunch at 12?' });
    await mine.hover();
    await mine.getByRole('button', { name: 'Edit message' }).click();
    const editor = ana.getByRole('textbox', { name: 'Edit message' });
    await expect(editor).toBeFocused();
    await editor.fill('Lunch at 12:30?');
    await editor.press('Enter');
    await expect(editor).toHaveCount(0);

    const boMine = messages(bo).filter({ hasText: 'Wrong chat, sorry' });
    await boMine.hover();
    await boMine.getByRole('button', { name: 'Delete message' }).click();
    await bo.getByRole('button', { name: 'Delete for everyone' }).click();

    const agreed = ['Lunch at 12:30? (edited)', 'message deleted'];
    for (const page of [ana, bo]) await expect(messages(page).getByTestId('chat-text')).toHaveText(agreed);
    for (const page of [ana, bo]) {
      await page.reload();
      await expectConnected(page);
      await expect(messages(page).getByTestId('chat-text')).toHaveText(agreed);
    }
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

test.describe('chat history', () => {
  // Seeding sends a few hundred messages in a second: lift the per-user rates that guard against floods.
  test.use({ serverEnv: { ...FAST_POMODORO, CHAT_SEND_BURST: '500', RATE_LIMIT_SCALE: '50' } });

  test('scrolling up pages in older messages until the first, in order, each once', async ({
    actor,
    server,
    space,
  }) => {
    const pageSize = CHAT_LIMITS.pageSize;
    const total = 2 * pageSize + 20;
    const texts = Array.from({ length: total }, (_, i) => `message ${String(i + 1).padStart(3, '0')}`);
    const seeder = await socketUser(server.url, space, 'Seeder');
    for (const text of texts) await seeder.say('c:general', text);
    seeder.close();

    const ana = await actor('Ana');
    const shown = messages(ana).getByTestId('chat-text');
    const start = ana.getByText('This is the very beginning of #general.');
    await expect(shown).toHaveText(texts.slice(-pageSize));
    await expect(ana.getByRole('button', { name: 'Load older messages' })).toBeVisible();
    await expect(start).toHaveCount(0);

    const scrollToTop = () => log(ana).evaluate((element) => element.scrollTo({ top: 0 }));
    await scrollToTop();
    await expect(shown).toHaveText(texts.slice(-2 * pageSize));
    await expect(start).toHaveCount(0);
    await scrollToTop();
    await expect(shown).toHaveText(texts);
    await expect(start).toBeVisible();
    await expect(ana.getByRole('button', { name: 'Load older messages' })).toHaveCount(0);
  });
});
