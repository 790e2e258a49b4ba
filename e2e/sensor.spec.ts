import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';

const lastTen = (page: Page) => page.getByRole('table', { name: 'Last 10 values' });
const rows = (page: Page) => lastTen(page).locator('tbody tr');
const STATS = ['humidity-avg', 'humidity-max', 'humidity-min', 'temperature-avg', 'temperature-max', 'temperature-min'];

const chart = (page: Page) => page.getByRole('img', { name: /^Chart of humidity and temperature/ });

/** Opens the Device API section (it fetches the token on every opening) and returns the token shown. */
async function openDeviceApi(page: Page): Promise<string> {
  await page.getByText('Device API', { exact: true }).click();
  const token = page.getByTestId('ingest-token');
  await expect(token).not.toBeEmpty();
  return ((await token.textContent()) ?? '').trim();
}

/** Posts to the ingest API as a device does; `body` is one reading or `{ readings: [...] }`. */
function ingest(baseUrl: string, space: string, token: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}/api/spaces/${space}/sensors/lab/readings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}

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
    const token = await openDeviceApi(ana);
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

  test('the chart draws each reading as it arrives, in every tab', async ({ actor, server, space }) => {
    const ana = await actor('Ana');
    const bo = await actor('Bo');
    for (const page of [ana, bo]) await expect(chart(page)).toHaveAccessibleDescription('No points drawn.');

    const token = await openDeviceApi(ana);
    expect((await ingest(server.url, space, token, { humidity: 41.5, temperature: 68 })).status).toBe(201);
    for (const page of [ana, bo]) {
      await expect(chart(page)).toHaveAccessibleDescription(/^1 point drawn, the newest 41\.5 % and 68\.0 °F at /);
    }

    await bo.getByRole('button', { name: '10 Random Values' }).click();
    for (const page of [ana, bo]) await expect(chart(page)).toHaveAccessibleDescription(/^11 points drawn, /);

    expect((await ingest(server.url, space, token, { humidity: 62.3, temperature: 75.2 })).status).toBe(201);
    for (const page of [ana, bo]) {
      await expect(chart(page)).toHaveAccessibleDescription(/^12 points drawn, the newest 62\.3 % and 75\.2 °F at /);
    }
  });

  test('CSV export downloads the readings of the range on screen', async ({ actor, server, space }) => {
    const ana = await actor('Ana');
    const token = await openDeviceApi(ana);
    const now = Date.now();
    const readings = [
      { at: now - 20 * 60_000, humidity: 50, temperature: 86 },
      { at: now - 2 * 60_000, humidity: 41.5, temperature: 68 },
      { at: now - 60_000, humidity: 45.25, temperature: 77 },
    ];
    expect((await ingest(server.url, space, token, { readings })).status).toBe(201);
    await expect(ana.getByTestId('current-humidity')).toHaveText('45.3 %');

    async function exportCsv(): Promise<{ name: string; lines: string[] }> {
      const downloading = ana.waitForEvent('download');
      await ana.getByRole('button', { name: 'Export CSV' }).click();
      const download = await downloading;
      const text = await readFile(await download.path(), 'utf8');
      return { name: download.suggestedFilename(), lines: text.trimEnd().split('\n') };
    }
    const header = 'time,sensor,humidity_percent,temperature_f,temperature_c';
    const row = (i: number, celsius: number) => {
      const r = readings[i];
      if (r === undefined) throw new Error(`no reading ${i}`);
      return `${new Date(r.at).toISOString()},lab,${r.humidity},${r.temperature},${celsius}`;
    };

    // The chart shows the last 5 minutes: the reading from 20 minutes ago is not in that export.
    expect(await exportCsv()).toEqual({ name: `${space}-lab-5m.csv`, lines: [header, row(1, 20), row(2, 25)] });

    await ana.getByRole('radio', { name: '1 h' }).check();
    expect(await exportCsv()).toEqual({
      name: `${space}-lab-1h.csv`,
      lines: [header, row(0, 30), row(1, 20), row(2, 25)],
    });
  });

  test('a rotated ingest token replaces the old one for every device and every viewer', async ({
    actor,
    server,
    space,
  }) => {
    const ana = await actor('Ana');
    const bo = await actor('Bo');
    const oldToken = await openDeviceApi(ana);
    // The token is the owner's and admins' to give: a member is told whom to ask.
    await expect(bo.getByText('Ask an admin for the device token.')).toBeVisible();
    await expect(bo.getByText('Device API', { exact: true })).toHaveCount(0);
    expect((await ingest(server.url, space, oldToken, { humidity: 40, temperature: 70 })).status).toBe(201);

    await ana.getByRole('button', { name: 'Rotate token' }).click();
    await ana.getByRole('button', { name: 'Rotate now' }).click();
    await expect(ana.getByText('New token in place: the old one no longer works.')).toBeVisible();
    const newToken = ((await ana.getByTestId('ingest-token').textContent()) ?? '').trim();
    expect(newToken).not.toBe(oldToken);

    const refused = await ingest(server.url, space, oldToken, { humidity: 99, temperature: 99 });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    expect((await ingest(server.url, space, newToken, { humidity: 33.3, temperature: 71 })).status).toBe(201);
    await expect(bo.getByTestId('current-humidity')).toHaveText('33.3 %');
    // The refused reading came before this one: had it been stored, it would be in the table by now.
    await expect(rows(bo)).toHaveCount(2);

    // Ana opens the section again: it shows the new token.
    const anaSection = ana.getByText('Device API', { exact: true });
    await anaSection.click();
    await anaSection.click();
    await expect(ana.getByTestId('ingest-token')).toHaveText(newToken);
  });

  test('the owner deletes a sensor with its readings: it leaves every board; a member cannot', async ({
    actor,
    server,
    space,
  }) => {
    const ana = await actor('Ana');
    const bo = await actor('Bo');
    const select = (page: Page) => page.getByRole('combobox', { name: 'Sensor' });
    await ana.getByRole('button', { name: '10 Random Values' }).click();
    await expect(select(ana).getByRole('option')).toHaveText(['room']);
    const token = await openDeviceApi(ana);
    expect((await ingest(server.url, space, token, { humidity: 41, temperature: 70 })).status).toBe(201);
    await expect(select(bo).getByRole('option')).toHaveText(['lab', 'room']);
    await select(ana).selectOption('lab');
    await expect(bo.getByRole('button', { name: 'Delete sensor' })).toHaveCount(0);

    await ana.getByRole('button', { name: 'Delete sensor' }).click();
    await expect(ana.getByText('Delete “lab” and all 1 of its readings?')).toBeVisible();
    await ana.getByRole('button', { name: 'Delete for everyone' }).click();
    await expect(ana.getByText('Sensor “lab” and its readings were deleted.')).toBeVisible();
    for (const page of [ana, bo]) await expect(select(page).getByRole('option')).toHaveText(['room']);
    await expect(select(ana)).toHaveValue('room');
  });
});
