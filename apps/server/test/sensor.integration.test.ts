import { once } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import { ErrorCode, SENSOR_LIMITS, type SensorBoard, type SensorSummary, ServerEvent } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { createSensorStore } from '../src/features/sensor/sensor.store.js';
import {
  connectRecorded,
  type EventLog,
  join,
  send,
  type TestClient,
  tempDir,
  uniqueSpace,
  useTestServers,
} from './helpers.js';

const servers = useTestServers();
const server = () => servers.start();

async function member(
  url: string,
  space: string,
  name: string,
): Promise<{ socket: TestClient; events: EventLog; token: string; board: SensorBoard }> {
  const grant = await join(url, space, name);
  const tab = servers.track(await connectRecorded(url, grant.token));
  const board = await tab.events.next(ServerEvent.SensorBoard);
  return { ...tab, token: grant.token, board };
}

async function ingestToken(socket: TestClient): Promise<string> {
  const ack = await send(socket, 'sensor:token', {});
  if (!ack.ok) throw new Error(ack.error.message);
  return ack.data.token;
}

function post(url: string, space: string, sensorId: string, body: unknown, token?: string) {
  return fetch(`${url}/api/spaces/${space}/sensors/${sensorId}/readings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/**
 * A GET on a connection of its own (none kept alive to be reused after the server closed it), answered as
 * soon as the headers are in: the body is the caller's to read, pause or cut.
 */
function download(url: string, path: string, token: string) {
  return new Promise<{ res: IncomingMessage; abort(): void; text(): Promise<string> }>((resolve, reject) => {
    const req = http.get(`${url}${path}`, { agent: false, headers: { authorization: `Bearer ${token}` } }, (res) =>
      resolve({
        res,
        abort: () => req.destroy(),
        text: async () => {
          let body = '';
          for await (const chunk of res) body += chunk;
          return body;
        },
      }),
    );
    req.once('error', reject);
  });
}

const values = (s: SensorSummary) => s.latest.map((r) => [r.humidity, r.temperature, r.at]);

describe('sensor board over Socket.IO', () => {
  it('sends random readings to every client of the space and only them, with identical stats', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const ana = await member(url, space, 'Ana');
    const bo = await member(url, space, 'Bo');
    const outsider = await member(url, uniqueSpace('other'), 'Cy');

    expect(await send(ana.socket, 'sensor:random', { count: 10 })).toEqual({ ok: true, data: { stored: 10 } });
    const atAna = await ana.events.next(ServerEvent.SensorUpdate, (s) => s.total === 10);
    const atBo = await bo.events.next(ServerEvent.SensorUpdate, (s) => s.total === 10);
    expect(atBo).toEqual(atAna);
    expect(atBo.sensorId).toBe('room');
    expect(atBo.latest).toHaveLength(10);
    // Newest first.
    expect(atBo.latest.map((r) => r.at)).toEqual([...atBo.latest.map((r) => r.at)].sort((a, b) => b - a));
    expect(atBo.stats?.count).toBe(10);
    expect(atBo.stats?.humidity.max).toBe(Math.max(...atBo.latest.map((r) => r.humidity)));

    // The outsider's own reading is the first update it hears.
    await send(outsider.socket, 'sensor:random', { count: 1 });
    expect((await outsider.events.next(ServerEvent.SensorUpdate)).total).toBe(1);

    const history = await send(bo.socket, 'sensor:history', { sensorId: 'room', range: '5m' });
    expect(history.ok && history.data.points).toHaveLength(10);
    expect(history.ok && history.data.bucketMs).toBe(0);
  });

  it('applies new thresholds for everyone and evaluates the alarm; a bad one changes nothing', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const ana = await member(url, space, 'Ana');
    const bo = await member(url, space, 'Bo');
    await send(ana.socket, 'sensor:random', { count: 1 });
    await bo.events.next(ServerEvent.SensorUpdate);

    const bad = await send(ana.socket, 'sensor:thresholds', { humidityMax: 101, temperatureMax: 50 });
    expect(bad).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest, field: 'humidityMax' } });
    expect(await send(ana.socket, 'sensor:thresholds', { humidityMax: 95, temperatureMax: 10 })).toEqual({
      ok: true,
      data: { humidityMax: 95, temperatureMax: 10 },
    });
    const board = await bo.events.next(ServerEvent.SensorBoard);
    expect(board.thresholds).toEqual({ humidityMax: 95, temperatureMax: 10 });
    expect(board.sensors[0]?.status).toMatchObject({
      level: 'alarm',
      breaches: [{ quantity: 'temperature', limit: 10 }],
    });
  });
});

describe('device ingest API', () => {
  it('accepts a reading and a batch with the ingest token, and they appear live', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const ana = await member(url, space, 'Ana');
    const token = await ingestToken(ana.socket);

    const one = await post(url, space, 'desk-1', { humidity: 41.5, temperature: 71.2 }, token);
    expect(one.status).toBe(201);
    expect(await one.json()).toEqual({ stored: 1 });
    const first = await ana.events.next(ServerEvent.SensorUpdate, (s) => s.sensorId === 'desk-1');
    expect(first.latest[0]).toMatchObject({ humidity: 41.5, temperature: 71.2 });

    const at = Date.now() - 60_000;
    const batch = await post(
      url,
      space,
      'desk-1',
      {
        readings: [
          { humidity: 50, temperature: 70, at },
          { humidity: 51, temperature: 72, at: new Date(at + 1000).toISOString() },
        ],
      },
      token,
    );
    expect(batch.status).toBe(201);
    const later = await ana.events.next(ServerEvent.SensorUpdate, (s) => s.total === 3);
    // The first reading (arrival time: now) is still the newest; the batch's device times are older.
    expect(later.latest.map((r) => r.humidity)).toEqual([41.5, 51, 50]);
  });

  it('stores a batch of 10,000 readings completely, in one broadcast, with exact stats', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const ana = await member(url, space, 'Ana');
    const token = await ingestToken(ana.socket);
    const start = Date.now() - 3_600_000;
    const readings = Array.from({ length: SENSOR_LIMITS.maxBatch }, (_, i) => ({
      humidity: (i % 100) + 0.5,
      temperature: 60 + (i % 30),
      at: start + i * 100,
    }));
    const res = await post(url, space, 'fast', { readings }, token);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ stored: 10_000 });

    const update = await ana.events.next(ServerEvent.SensorUpdate, (s) => s.sensorId === 'fast');
    expect(update.total).toBe(10_000);
    expect(values(update)).toEqual(
      readings
        .slice(-10)
        .reverse()
        .map((r) => [r.humidity, r.temperature, r.at]),
    );
    // A reading of another sensor after the batch: once its update is in, every update the batch caused is.
    expect((await post(url, space, 'marker', { humidity: 40, temperature: 70 }, token)).status).toBe(201);
    await ana.events.next(ServerEvent.SensorUpdate, (s) => s.sensorId === 'marker');
    // 10,000 readings reached the viewer as one update (coalesced), not one per reading.
    expect(ana.events.count(ServerEvent.SensorUpdate, (s) => s.sensorId === 'fast')).toBe(1);

    const csv = await fetch(`${url}/api/spaces/${space}/sensors/fast/readings.csv?range=24h`, {
      headers: { authorization: `Bearer ${ana.token}` },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="?[\w-]+-fast-24h\.csv"?$/);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines).toHaveLength(10_001);
    expect(lines[0]).toBe('time,sensor,humidity_percent,temperature_f,temperature_c');
    expect(lines[1]).toBe(`${new Date(start).toISOString()},fast,0.5,60,15.56`);

    const chart = await send(ana.socket, 'sensor:history', { sensorId: 'fast', range: '24h' });
    if (!chart.ok) throw new Error(chart.error.message);
    expect(chart.data.points.length).toBeLessThanOrEqual(SENSOR_LIMITS.maxChartPoints);
    expect(chart.data.bucketMs).toBeGreaterThan(0);
  });

  it('answers every bad request with its status code and the field, storing nothing', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const ana = await member(url, space, 'Ana');
    const token = await ingestToken(ana.socket);
    const ok = { humidity: 40, temperature: 70 };

    const cases: [string, () => Promise<Response>, number, string?][] = [
      ['no token', () => post(url, space, 's1', ok), 401],
      ['wrong token', () => post(url, space, 's1', ok, `${token}x`), 401],
      ['unknown space', () => post(url, uniqueSpace('nowhere'), 's1', ok, token), 401],
      [
        'humidity out of range',
        () => post(url, space, 's1', { humidity: 101, temperature: 70 }, token),
        400,
        'humidity',
      ],
      [
        'temperature not a number',
        () => post(url, space, 's1', { humidity: 1, temperature: '70' }, token),
        400,
        'temperature',
      ],
      ['missing field', () => post(url, space, 's1', { humidity: 1 }, token), 400, 'temperature'],
      ['unknown field', () => post(url, space, 's1', { ...ok, sensor: 'x' }, token), 400],
      [
        'bad batch item',
        () => post(url, space, 's1', { readings: [ok, ok, { humidity: 1, temperature: 300 }] }, token),
        400,
        'readings.2.temperature',
      ],
      ['empty batch', () => post(url, space, 's1', { readings: [] }, token), 400, 'readings'],
      ['future time', () => post(url, space, 's1', { ...ok, at: Date.now() + 3_600_000 }, token), 400, 'at'],
      ['bad time', () => post(url, space, 's1', { ...ok, at: 'tomorrow' }, token), 400, 'at'],
      ['not JSON', () => post(url, space, 's1', '{"humidity": ', token), 400],
      ['bad sensor id', () => post(url, space, 'no%20spaces', ok, token), 400, 'sensorId'],
      ['too large', () => post(url, space, 's1', { readings: Array.from({ length: 80_000 }, () => ok) }, token), 413],
    ];
    for (const [name, request, status, field] of cases) {
      const res = await request();
      expect(res.status, name).toBe(status);
      const body = (await res.json()) as { error: { code: string; field?: string } };
      if (field) expect(body.error.field, name).toBe(field);
    }
    expect((await member(url, space, 'Bo')).board.sensors).toEqual([]);
  });

  it('answers 429 to a device that sends requests too fast, and 401 to a rotated-out token', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const ana = await member(url, space, 'Ana');
    const token = await ingestToken(ana.socket);
    // Volleys of 60 at once against a burst of 20 requests and 10 a second, until one is refused (a loaded
    // machine may take seconds over a volley); never more accepted than the burst and the refill allow.
    const started = performance.now();
    const statuses: number[] = [];
    for (let volley = 0; volley < 10 && !statuses.includes(429); volley += 1) {
      statuses.push(
        ...(await Promise.all(
          Array.from(
            { length: 60 },
            async () => (await post(url, space, 's1', { humidity: 40, temperature: 70 }, token)).status,
          ),
        )),
      );
    }
    const accepted = statuses.filter((s) => s === 201).length;
    expect(accepted).toBeGreaterThanOrEqual(20);
    expect(accepted).toBeLessThanOrEqual(20 + Math.ceil(((performance.now() - started) / 1000) * 10));
    expect(statuses).toContain(429);

    const rotated = await send(ana.socket, 'sensor:rotate-token', {});
    if (!rotated.ok) throw new Error(rotated.error.message);
    expect(rotated.data.token).not.toBe(token);
    expect(rotated.data.ingestPath).toBe(`/api/spaces/${space}/sensors/{sensorId}/readings`);
    expect((await post(url, space, 's1', { humidity: 1, temperature: 1 }, token)).status).toBe(401);
  });

  it('exports CSV only to members of the space', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    await member(url, space, 'Ana');
    const stranger = await member(url, uniqueSpace('other'), 'Bo');
    const csv = (auth?: string) =>
      fetch(`${url}/api/spaces/${space}/sensors/room/readings.csv?range=1h`, {
        headers: auth ? { authorization: `Bearer ${auth}` } : {},
      });
    expect((await csv()).status).toBe(401);
    expect((await csv(stranger.token)).status).toBe(401);
  });

  it('limits a device by readings, not requests: a refused batch stores nothing and says when to try again', async () => {
    const { url } = await servers.start({ rateLimitScale: 1 });
    const space = uniqueSpace();
    const ana = await member(url, space, 'Ana');
    const token = await ingestToken(ana.socket);
    const batch = (n: number) => ({
      readings: Array.from({ length: n }, (_, i) => ({ humidity: 50, temperature: 70, at: Date.now() - i * 10 })),
    });
    // A full batch fits the device's burst; a second one right after does not (100 readings a second).
    expect((await post(url, space, 'desk', batch(SENSOR_LIMITS.maxBatch), token)).status).toBe(201);
    const refused = await post(url, space, 'desk', batch(SENSOR_LIMITS.maxBatch), token);
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(ErrorCode.RateLimited);
    expect(body.error.message).toMatch(/readings from this device/);
    // The whole batch's cost back: 10,000 readings at 100 a second, less what refilled meanwhile.
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(80);
    expect(retryAfter).toBeLessThanOrEqual(100);
    // Nothing of the refused batch was stored: the board of a tab opened now counts the first one only.
    const later = await member(url, space, 'Bo');
    expect(later.board.sensors.find((x) => x.sensorId === 'desk')?.total).toBe(SENSOR_LIMITS.maxBatch);
    // A sensor of the same device shares its allowance: the device, not the sensor, is limited.
    expect((await post(url, space, 'porch', batch(500), token)).status).toBe(429);
  });

  it('streams a CSV one at a time per user, with formula-looking cells defused and numbers left numbers', async () => {
    const { url } = await servers.start({ rateLimitScale: 1 });
    const space = uniqueSpace();
    const ana = await member(url, space, 'Ana');
    const bo = await member(url, space, 'Bo');
    const token = await ingestToken(ana.socket);
    const now = Date.now();
    // A sensor id a spreadsheet would read as a formula, and temperatures below zero.
    const readings = Array.from({ length: 3 }, (_, i) => ({ humidity: 50.5, temperature: -4 - i, at: now - i * 1000 }));
    expect((await post(url, space, '-room', { readings }, token)).status).toBe(201);
    const csv = (auth: string) =>
      fetch(`${url}/api/spaces/${space}/sensors/-room/readings.csv?range=5m`, {
        headers: { authorization: `Bearer ${auth}` },
      });

    const res = await csv(ana.token);
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split('\n');
    expect(lines[0]).toBe('time,sensor,humidity_percent,temperature_f,temperature_c');
    expect(lines.slice(1)).toEqual(
      [2, 1, 0].map(
        (i) =>
          `${new Date(now - i * 1000).toISOString()},'-room,50.5,${-4 - i},${Math.round(((-4 - i - 32) * 500) / 9) / 100}`,
      ),
    );

    // The rate: 3 at once, then one a minute (the first above was one of them).
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const r = await csv(bo.token);
      await r.arrayBuffer();
      statuses.push(r.status);
    }
    expect(statuses).toEqual([200, 200, 200]);
    const limited = await csv(bo.token);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another user has an allowance of their own.
    expect((await csv(ana.token)).status).toBe(200);
  });

  it('refuses a second CSV (or space) download while the first still streams, and frees its place when the client goes away', async () => {
    const data = tempDir('huddle-csv-');
    try {
      const { url } = await servers.start({ dataDir: data.dir });
      const space = uniqueSpace();
      const ana = await member(url, space, 'Ana');
      await ingestToken(ana.socket);
      // Far more than the sockets' buffers hold (about 14 MB of CSV), seeded through storage: the
      // download stays open for as long as the client does not read.
      const { db } = await openDatabase({ dataDir: data.dir });
      try {
        const store = createSensorStore(db, Date.now);
        const now = Date.now();
        for (let i = 0; i < 300_000; i += 10_000) {
          const batch = Array.from({ length: 10_000 }, (_, j) => ({
            sensorId: 'room',
            humidity: 50,
            temperature: 70,
            at: now - (i + j) * 250,
          }));
          await store.append(space, 'room', batch, now);
        }
      } finally {
        await db.destroy();
      }
      const csvPath = `/api/spaces/${space}/sensors/room/readings.csv?range=24h`;
      const first = await download(url, csvPath, ana.token);
      expect(first.res.statusCode).toBe(200);
      // Its first bytes are here, and it is not read further.
      await once(first.res, 'data');
      first.res.pause();

      const second = await download(url, csvPath, ana.token);
      expect(second.res.statusCode).toBe(429);
      expect(await second.text()).toMatch(/one at a time/);

      first.abort();
      // The server sees the client gone and ends the export: the user may download again.
      await expect
        .poll(
          async () => {
            const again = await download(url, csvPath, ana.token);
            again.abort();
            return again.res.statusCode;
          },
          { timeout: 10_000, interval: 100 },
        )
        .toBe(200);

      // The whole-space download (an admin's) likewise.
      const exportPath = `/api/spaces/${space}/export?format=ndjson`;
      const whole = await download(url, exportPath, ana.token);
      expect(whole.res.statusCode).toBe(200);
      await once(whole.res, 'data');
      whole.res.pause();
      expect((await download(url, exportPath, ana.token)).res.statusCode).toBe(429);
      whole.abort();
    } finally {
      data.remove();
    }
  }, 60_000);
});
