import { PomodoroState, ServerEvent } from '@huddle/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningHuddle } from '../src/server.js';
import {
  connect,
  join,
  nextState,
  send,
  sendRaw,
  startTestServer,
  type TestClient,
  tempDir,
  uniqueSpace,
} from './helpers.js';

const running: RunningHuddle[] = [];
const clients: TestClient[] = [];

async function server(overrides: Parameters<typeof startTestServer>[0] = {}) {
  const s = await startTestServer(overrides);
  running.push(s);
  return s;
}

async function client(url: string, space: string, name: string) {
  const grant = await join(url, space, name);
  const c = await connect(url, grant.token);
  clients.push(c.socket);
  return { ...c, grant };
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const s of running.splice(0)) await s.stop();
});

describe('pomodoro over Socket.IO', () => {
  it('a press by one client reaches another in the same space and not one in another space', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const ana = await client(url, space, 'Ana');
    const bo = await client(url, space, 'Bo');
    const outsider = await client(url, uniqueSpace('other'), 'Cy');
    expect(bo.initial.state).toBe(PomodoroState.IDLE);

    let outsiderSaw = 0;
    outsider.socket.on(ServerEvent.PomodoroState, () => outsiderSaw++);
    const boSees = nextState(bo.socket);
    const ack = await send(ana.socket, 'pomodoro:press', {});
    expect(ack).toMatchObject({ ok: true });
    const seen = await boSees;
    expect(seen).toMatchObject({ state: PomodoroState.WORK, activity: { actor: 'Ana', action: 'press' } });
    expect(ack.ok && ack.data).toEqual(seen);
    expect(seen.endsAt).toBeGreaterThan(Date.now());

    // A round trip on the outsider's socket after the broadcast: had it been sent there, it would be here.
    await send(outsider.socket, 'clock:sync', {});
    expect(outsiderSaw).toBe(0);
  });

  it('pause, resume, reset and settings are broadcast; the activity names who did it', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const ana = await client(url, space, 'Ana');
    const bo = await client(url, space, 'Bo');
    await send(ana.socket, 'pomodoro:press', {});
    const paused = await send(bo.socket, 'pomodoro:pause', {});
    expect(paused).toMatchObject({ ok: true, data: { endsAt: null, activity: { actor: 'Bo', action: 'pause' } } });
    const resumed = await send(ana.socket, 'pomodoro:resume', {});
    expect(resumed.ok && resumed.data.endsAt).toBeGreaterThan(Date.now());
    const settings = { workSeconds: 90, shortBreakSeconds: 30, longBreakSeconds: 60, cyclesBeforeLongBreak: 3 };
    const boSeesSettings = nextState(bo.socket, (s) => s.activity?.action === 'settings');
    expect((await send(ana.socket, 'pomodoro:settings', settings)).ok).toBe(true);
    expect((await boSeesSettings).settings).toEqual(settings);
    const reset = await send(bo.socket, 'pomodoro:reset', {});
    expect(reset).toMatchObject({ ok: true, data: { state: PomodoroState.IDLE, settings } });
  });

  it('a deadline expires by itself and reaches every client once', async () => {
    const { url } = await server({
      pomodoroDefaults: { workSeconds: 1, shortBreakSeconds: 1, longBreakSeconds: 1, cyclesBeforeLongBreak: 4 },
    });
    const space = uniqueSpace();
    const ana = await client(url, space, 'Ana');
    const bo = await client(url, space, 'Bo');
    const states: number[] = [];
    bo.socket.on(ServerEvent.PomodoroState, (s) => states.push(s.state));
    await send(ana.socket, 'pomodoro:press', {});
    const alarm = await nextState(bo.socket, (s) => s.state === PomodoroState.BREAK_ALARM, 4000);
    expect(alarm).toMatchObject({ completedPomodoros: 1, activity: { actor: null, action: 'expire' } });
    await send(bo.socket, 'clock:sync', {});
    expect(states).toEqual([PomodoroState.WORK, PomodoroState.BREAK_ALARM]);
  });

  it('clock:sync returns the server time', async () => {
    const { url } = await server();
    const ana = await client(url, uniqueSpace(), 'Ana');
    const before = Date.now();
    const ack = await send(ana.socket, 'clock:sync', {});
    expect(ack.ok && ack.data.serverTime).toBeGreaterThanOrEqual(before);
    expect(ack.ok && ack.data.serverTime).toBeLessThanOrEqual(Date.now());
  });

  it('every malformed command gets an error ack and changes nothing', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const ana = await client(url, space, 'Ana');
    const bo = await client(url, space, 'Bo');
    let broadcasts = 0;
    bo.socket.on(ServerEvent.PomodoroState, () => broadcasts++);
    const valid = { workSeconds: 60, shortBreakSeconds: 30, longBreakSeconds: 60, cyclesBeforeLongBreak: 4 };

    const cases: [string, unknown[], string][] = [
      ['pomodoro:press', [], 'BAD_REQUEST'],
      ['pomodoro:press', [null], 'BAD_REQUEST'],
      ['pomodoro:press', ['press'], 'BAD_REQUEST'],
      ['pomodoro:press', [{ space: 'someone-elses' }], 'BAD_REQUEST'],
      ['pomodoro:press', [[1, 2, 3]], 'BAD_REQUEST'],
      ['pomodoro:settings', [{}], 'BAD_REQUEST'],
      ['pomodoro:settings', [{ ...valid, workSeconds: '60' }], 'BAD_REQUEST'],
      ['pomodoro:settings', [{ ...valid, workSeconds: -1 }], 'BAD_REQUEST'],
      ['pomodoro:settings', [{ ...valid, workSeconds: 1e308 }], 'BAD_REQUEST'],
      ['pomodoro:settings', [{ ...valid, cyclesBeforeLongBreak: 2.5 }], 'BAD_REQUEST'],
      ['pomodoro:settings', [{ ...valid, extra: 'x'.repeat(50_000) }], 'BAD_REQUEST'],
      ['pomodoro:settings', [JSON.parse('{"__proto__":{"polluted":true},"workSeconds":60}')], 'BAD_REQUEST'],
      ['pomodoro:resume', [{}], 'INVALID_TRANSITION'],
      ['pomodoro:pause', [{}], 'INVALID_TRANSITION'],
      ['pomodoro:explode', [{}], 'NOT_FOUND'],
      ['x'.repeat(5000), [{}], 'NOT_FOUND'],
    ];
    for (const [event, args, code] of cases) {
      const ack = (await sendRaw(ana.socket, event, ...args)) as { ok: boolean; error?: { code: string } };
      expect({ event: event.slice(0, 30), args: JSON.stringify(args).slice(0, 60), ack }).toMatchObject({
        ack: { ok: false, error: { code } },
      });
    }
    // Commands without an ack callback must not crash anything either.
    (ana.socket as unknown as { emit(e: string, ...a: unknown[]): void }).emit('pomodoro:settings', 'nope');
    (ana.socket as unknown as { emit(e: string, ...a: unknown[]): void }).emit('pomodoro:press', {}, 'not-a-fn');

    const check = await connect(url, bo.grant.token);
    clients.push(check.socket);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // The un-acked press (valid payload, ack not a function) was applied; nothing else was.
    expect(check.initial).toMatchObject({ state: PomodoroState.WORK, version: 1, settings: { workSeconds: 1500 } });
    expect(broadcasts).toBe(1);
  });

  it('a payload over the size limit closes only the offending connection', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const ana = await client(url, space, 'Ana');
    const bo = await client(url, space, 'Bo');
    const closed = new Promise<string>((resolve) => ana.socket.once('disconnect', resolve));
    (ana.socket as unknown as { emit(e: string, p: unknown): void }).emit('pomodoro:press', {
      blob: 'x'.repeat(200_000),
    });
    expect(await closed).toBe('transport close');
    const ack = await send(bo.socket, 'pomodoro:press', {});
    expect(ack.ok).toBe(true);
  });
});

describe('state survives a restart', () => {
  it('keeps state and the original absolute deadline; a passed deadline is applied on start', async () => {
    const data = tempDir();
    const config = {
      dataDir: data.dir,
      pomodoroDefaults: { workSeconds: 2, shortBreakSeconds: 60, longBreakSeconds: 60, cyclesBeforeLongBreak: 4 },
    };
    const space = uniqueSpace();
    const first = await startTestServer(config);
    const ana = await client(first.url, space, 'Ana');
    const pressed = await send(ana.socket, 'pomodoro:press', {});
    if (!pressed.ok) throw new Error('press failed');
    ana.socket.disconnect();
    await first.stop();

    // Back up before the deadline: the same state and the same absolute endsAt.
    const second = await server(config);
    const again = await connect(second.url, ana.grant.token);
    clients.push(again.socket);
    expect(again.initial).toMatchObject({ state: PomodoroState.WORK, endsAt: pressed.data.endsAt, version: 1 });
    again.socket.disconnect();
    await second.stop();
    running.splice(running.indexOf(second), 1);

    // Down past the deadline: the expiry is applied at start, stamped with the deadline.
    await new Promise((r) => setTimeout(r, Math.max(0, (pressed.data.endsAt ?? 0) - Date.now() + 50)));
    const third = await server(config);
    const late = await connect(third.url, ana.grant.token);
    clients.push(late.socket);
    expect(late.initial).toMatchObject({
      state: PomodoroState.BREAK_ALARM,
      completedPomodoros: 1,
      version: 2,
      activity: { action: 'expire', at: pressed.data.endsAt },
    });
    data.remove();
  });
});
