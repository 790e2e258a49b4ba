import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';

const lastTen = (page: Page) => page.getByRole('table', { name: 'Last 10 values' });
const rows = (page: Page) => lastTen(page).locator('tbody tr');
const STATS = ['humidity-avg', 'humidity-max', 'humidity-min', 'temperature-avg', 'temperature-max', 'temperature-min'];

async function statsOf(page: Page): Promise<string[]> {
  return Promise.all(STATS.map(async (s) => (await page.getByTestId(`stat-${s}`).textContent()) ?? ''));
}

test.describe('sensor board', () => {
  test('ten random values reach everyone: same table, same stats', async ({ actor }) => {
    const ana = await actor('Ana');
    const bo = await actor('Bo');
    await expect(bo.getByTestId('sensor-status')).toHaveText('No readings yet');

    await ana.getByRole('button', { name: '10 Random Values' }).click();
    await expect(rows(bo)).toHaveCount(10);
    await expect(rows(ana)).toHaveCount(10);
    await expect.poll(async () => rows(bo).allInnerTexts()).toEqual(await rows(ana).allInnerTexts());
    expect(await statsOf(bo)).toEqual(await statsOf(ana));
    await expect(bo.getByTestId('stat-humidity-avg')).toHaveText(/^\d+(\.\d)? %$/);
    await expect(bo.getByTestId('sensor-status')).toHaveText(/within limits|Alarm/);

    // One more: once it is on Bo's board, it is the first row and the one before it the second, in both
    // tabs, and the tables keep ten.
    const newestBefore = (await rows(bo).allInnerTexts())[0];
    await bo.getByRole('button', { name: '1 Random Value' }).click();
    await expect.poll(async () => (await rows(bo).allInnerTexts())[0]).not.toBe(newestBefore);
    const boRows = await rows(bo).allInnerTexts();
    expect(boRows[1]).toBe(newestBefore);
    await expect.poll(async () => rows(ana).allInnerTexts()).toEqual(boRows);
    await expect(rows(ana)).toHaveCount(10);
  });

  test('a low temperature alarm set by one user rings for the other after the next reading', async ({ actor }) => {
    const ana = await actor('Ana');
    const bo = await actor('Bo');
    await ana.getByRole('button', { name: '1 Random Value' }).click();
    await expect(rows(bo)).toHaveCount(1);

    await ana.getByLabel('Temperature alarm (°F)').fill('40');
    await ana.getByRole('button', { name: 'Set alarms' }).click();
    await expect(bo.getByTestId('threshold-temperature')).toHaveText('40 °F');

    await bo.getByRole('button', { name: '1 Random Value' }).click();
    await expect(rows(ana)).toHaveCount(2);
    for (const page of [ana, bo]) {
      await expect(page.getByTestId('sensor-status')).toContainText(
        /Alarm: temperature .* °F is above the 40 °F limit/,
      );
    }
  });

  test('an invalid threshold shows a message and changes nothing in either tab', async ({ actor }) => {
    const ana = await actor('Ana');
    const bo = await actor('Bo');
    const before = (await bo.getByTestId('threshold-humidity').textContent()) ?? '';

    const humidity = ana.getByLabel('Humidity alarm (%)');
    await humidity.fill('150');
    await ana.getByRole('button', { name: 'Set alarms' }).click();
    await expect(humidity).toHaveAttribute('aria-invalid', 'true');
    await expect(ana.getByText('Humidity must be between 0 and 100 %')).toBeVisible();

    await humidity.fill('lots');
    await ana.getByRole('button', { name: 'Set alarms' }).click();
    await expect(humidity).toHaveAttribute('aria-invalid', 'true');

    await expect(ana.getByTestId('threshold-humidity')).toHaveText(before);
    await expect(bo.getByTestId('threshold-humidity')).toHaveText(before);
  });

  test('°C display converts every temperature; a device posting over HTTP appears live', async ({
    actor,
    server,
    space,
  }) => {
    const ana = await actor('Ana');
    const bo = await actor('Bo');
    await bo.getByText('Device API', { exact: true }).click();
    const token = ((await bo.getByTestId('ingest-token').textContent()) ?? '').trim();
    const res = await fetch(`${server.url}/api/spaces/${space}/sensors/lab/readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ humidity: 55.5, temperature: 212 }),
    });
    expect(res.status).toBe(201);

    await expect(ana.getByTestId('current-temperature')).toHaveText('212.0 °F');
    await expect(ana.getByTestId('current-humidity')).toHaveText('55.5 %');
    await ana.getByRole('radio', { name: '°C' }).check();
    await expect(ana.getByTestId('current-temperature')).toHaveText('100.0 °C');
    await expect(rows(ana).first()).toContainText('100.0');
    await expect(bo.getByTestId('current-temperature')).toHaveText('212.0 °F');
  });
});
