import type { Page } from '@playwright/test';
import { expect, expectConnected, test } from './fixtures.js';

const nugget = (page: Page) => page.getByRole('button', { name: 'Mine gold' });
const gold = (page: Page) => page.getByTestId('gold-count');
const leaderboard = (page: Page) => page.getByRole('list', { name: 'Leaderboard' });
const purchases = (page: Page) => page.getByRole('list', { name: 'Purchases' });

async function mine(page: Page, clicks: number) {
  for (let i = 0; i < clicks; i += 1) await nugget(page).click();
}

test.describe('gold clicker', () => {
  test('two users click and buy, and see each other on the leaderboard and in the feed', async ({ actor }) => {
    const ana = await actor('Ana');
    const bo = await actor('Bo');
    const shovel = ana.getByRole('button', { name: /^Buy Shovel/ });
    await expect(shovel).toBeDisabled();

    await mine(ana, 15);
    await expect(gold(ana)).toHaveText('15 gold');
    await expect(shovel).toBeEnabled();
    await shovel.click();
    await expect(gold(ana)).toHaveText('0 gold');
    await expect(ana.getByTestId('gold-per-click')).toHaveText('2 per click');
    await expect(ana.getByTestId('owned-shovel')).toHaveText('1');
    await expect(ana.getByRole('button', { name: /^Buy Shovel/ })).toContainText('18');

    await expect(purchases(bo).getByRole('listitem').first()).toHaveText(/Ana bought a shovel/);
    await expect(leaderboard(bo)).toContainText('Ana');

    await mine(bo, 3);
    await expect(gold(bo)).toHaveText('3 gold');
    await expect(leaderboard(ana).getByRole('listitem')).toHaveCount(2);
    await expect(leaderboard(ana).getByRole('listitem').filter({ hasText: 'Bo' })).toContainText('3');
  });

  test('one user in two tabs sees one consistent gold count', async ({ actor, space }) => {
    const first = await actor('Ana');
    const second = await first.context().newPage();
    await second.goto(`/s/${space}`);
    await expectConnected(second);

    await mine(first, 5);
    await expect(gold(first)).toHaveText('5 gold');
    await expect(gold(second)).toHaveText('5 gold');
    await mine(second, 3);
    await expect(gold(second)).toHaveText('8 gold');
    await expect(gold(first)).toHaveText('8 gold');
    await second.reload();
    await expect(gold(second)).toHaveText('8 gold');
  });
});
