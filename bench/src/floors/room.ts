import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What both floor servers do, in memory and without validation: the same event names and payload
 * shapes as Huddle, so the same scenario driver and the same message sizes apply to all three targets.
 * Everything Huddle adds (auth, schemas, storage, rate limits, metrics) is absent on purpose.
 */
export interface FloorTransport<C> {
  /** Encodes once and writes to every connected client. */
  broadcast(event: string, payload: unknown): void;
  send(client: C, event: string, payload: unknown): void;
}

export interface FloorClient {
  id: string;
  name: string;
}

const LEADERBOARD_INTERVAL_MS = 250;
const SENSOR_INTERVAL_MS = 100;
const CLICKS_PER_SECOND = 20;

export function createFloorRoom<C extends FloorClient>(transport: FloorTransport<C>) {
  let chatSeq = 0;
  let pomodoroVersion = 0;
  let pomodoroState = 0;
  const players = new Map<string, { gold: number; clicks: number; allowance: number; at: number; version: number }>();
  const sensor = { latest: [] as { sensorId: string; humidity: number; temperature: number; at: number }[], total: 0 };
  const timers = {
    leaderboard: undefined as NodeJS.Timeout | undefined,
    sensor: undefined as NodeJS.Timeout | undefined,
  };

  const snapshot = (by: string) => ({
    space: 'bench',
    state: pomodoroState,
    endsAt: pomodoroState === 1 ? Date.now() + 1_500_000 : null,
    pausedRemainingMs: null,
    periodMs: pomodoroState === 1 ? 1_500_000 : null,
    completedPomodoros: 0,
    cyclesDone: 0,
    settings: { workSeconds: 1500, shortBreakSeconds: 300, longBreakSeconds: 900, cyclesBeforeLongBreak: 4 },
    activity: { by, action: pomodoroState === 1 ? 'press' : 'reset', state: pomodoroState, at: Date.now() },
    version: pomodoroVersion,
  });

  function pomodoro(client: C, state: number) {
    pomodoroState = state;
    pomodoroVersion += 1;
    const s = snapshot(client.name);
    transport.broadcast('pomodoro:state', s);
    return { ok: true, data: s };
  }

  const publicPlayer = (client: C, p: { gold: number; clicks: number; version: number }) => ({
    user: { id: client.id, name: client.name },
    goldMilli: p.gold * 1000,
    perClick: 1,
    perSecond: 0,
    items: { shovel: 0, excavator: 0, mine: 0, refinery: 0 },
    clicks: p.clicks,
    settledAt: Date.now(),
    version: p.version,
  });

  const leaderboard = () => {
    timers.leaderboard = undefined;
    const top = [...players.entries()].sort((a, b) => b[1].gold - a[1].gold).slice(0, 10);
    transport.broadcast('clicker:leaderboard', {
      leaderboard: top.map(([id, p]) => ({
        user: { id, name: id },
        goldMilli: p.gold * 1000,
        perSecond: 0,
        settledAt: p.at,
      })),
      at: Date.now(),
    });
  };

  const sensorUpdate = () => {
    timers.sensor = undefined;
    const latest = sensor.latest;
    const stat = (k: 'humidity' | 'temperature') => {
      const values = latest.map((r) => r[k]);
      return {
        avg: values.reduce((a, b) => a + b, 0) / values.length,
        max: Math.max(...values),
        min: Math.min(...values),
      };
    };
    transport.broadcast('sensor:update', {
      sensorId: latest[0]?.sensorId,
      latest,
      stats: { count: latest.length, humidity: stat('humidity'), temperature: stat('temperature') },
      status: { level: 'ok' },
      total: sensor.total,
    });
  };

  return {
    /** Answers one command; undefined for an unknown one. */
    command(client: C, event: string, payload: Record<string, unknown>): unknown {
      switch (event) {
        case 'chat:send': {
          chatSeq += 1;
          const message = {
            conversationId: payload.conversationId,
            seq: chatSeq,
            clientId: payload.clientId,
            author: { id: client.id, name: client.name },
            text: payload.text,
            sentAt: Date.now(),
          };
          transport.broadcast('chat:message', message);
          return { ok: true, data: message };
        }
        case 'pomodoro:press':
          return pomodoro(client, 1);
        case 'pomodoro:reset':
          return pomodoro(client, 0);
        case 'clicker:click': {
          const t = Date.now();
          const p = players.get(client.id) ?? { gold: 0, clicks: 0, allowance: CLICKS_PER_SECOND, at: t, version: 0 };
          p.allowance = Math.min(CLICKS_PER_SECOND, p.allowance + ((t - p.at) / 1000) * CLICKS_PER_SECOND);
          p.at = t;
          const count = Number(payload.count);
          const credited = Math.min(count, Math.floor(p.allowance));
          p.allowance -= credited;
          p.gold += credited;
          p.clicks += credited;
          p.version += 1;
          players.set(client.id, p);
          const player = publicPlayer(client, p);
          if (credited > 0) {
            transport.send(client, 'clicker:player', player);
            timers.leaderboard ??= setTimeout(leaderboard, LEADERBOARD_INTERVAL_MS);
          }
          return { ok: true, data: { credited, discarded: count - credited, player } };
        }
        default:
          return undefined;
      }
    },

    /** `POST /api/spaces/:space/sensors/:sensorId/readings`: stores in memory, broadcasts coalesced. */
    ingest(req: IncomingMessage, res: ServerResponse, sensorId: string): void {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as {
          readings?: { humidity: number; temperature: number; at?: number }[];
        };
        const readings = body.readings ?? [body as { humidity: number; temperature: number; at?: number }];
        const t = Date.now();
        const stored = readings.map((r) => ({
          sensorId,
          humidity: r.humidity,
          temperature: r.temperature,
          at: r.at ?? t,
        }));
        sensor.latest = [...stored.slice(-10).reverse(), ...sensor.latest].slice(0, 10);
        sensor.total += stored.length;
        timers.sensor ??= setTimeout(sensorUpdate, sensor.total === stored.length ? 0 : SENSOR_INTERVAL_MS);
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ stored: stored.length }));
      });
    },
  };
}

/** Routes the floors' HTTP requests: health and sensor ingest. */
export function floorHttp(room: { ingest(req: IncomingMessage, res: ServerResponse, sensorId: string): void }) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const ingest = /^\/api\/spaces\/[^/]+\/sensors\/([^/]+)\/readings$/.exec(req.url ?? '');
    if (req.method === 'POST' && ingest?.[1]) return room.ingest(req, res, ingest[1]);
    if (req.url === '/healthz') return void res.writeHead(200).end('{"ok":true}');
    res.writeHead(404).end();
  };
}
