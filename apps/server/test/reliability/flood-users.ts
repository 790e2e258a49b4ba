import { type Ack, type CommandName, PROTOCOL_VERSION, type SensorIngestToken, ServerEvent } from '@huddle/protocol';
import { io, type Socket } from 'socket.io-client';
import { join } from '../helpers.js';
import { percentile } from './report.js';

// The well-behaved users of the flood scenarios (flood, cost-flood): each connects from an address of its
// own, and the acks of their steady commands are timed while a flooder works beside them. Each scenario
// keeps its own schedule of commands.

/**
 * A socket with `token` from address `ip` (x-forwarded-for), resolved on its welcome and rejected on a
 * refusal or a drop before it. It is added to `opened` at once, so that the caller closes every socket it
 * opened.
 */
export function connectFrom(url: string, token: string, ip: string, opened: Socket[]): Promise<Socket> {
  const socket = io(url, {
    auth: { token, protocolVersion: PROTOCOL_VERSION },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: { 'x-forwarded-for': ip },
  });
  opened.push(socket);
  return new Promise((resolve, reject) => {
    socket.once(ServerEvent.Welcome, () => resolve(socket));
    socket.once('connect_error', reject);
    socket.once('disconnect', (reason) => reject(new Error(`disconnected before the welcome: ${reason}`)));
  });
}

/**
 * `count` users of `space`, joining and connecting all at once: user i (from 1) as `User i`, from address
 * `${subnet}.${i}`. Their sockets are added to `opened`.
 */
export function connectUsers(
  url: string,
  space: string,
  count: number,
  subnet: string,
  opened: Socket[],
): Promise<Socket[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const ip = `${subnet}.${i + 1}`;
      return connectFrom(url, (await join(url, space, `User ${i + 1}`, ip)).token, ip, opened);
    }),
  );
}

/**
 * The space's device ingest token. It is for admins: every user asks, and the owner's answer (whoever of
 * them joined first) is taken.
 */
export async function ingestTokenOf(users: Socket[]): Promise<SensorIngestToken> {
  const answers = await Promise.all(users.map((user) => command(user, 'sensor:token', {})));
  const ingest = answers.find((answer) => answer.ok);
  if (!ingest?.ok) throw new Error('no user of the space could read its ingest token');
  return ingest.data as SensorIngestToken;
}

/** A command's ack; rejected when none comes within 10 s. */
export function command(socket: Socket, name: CommandName, payload: unknown): Promise<Ack<unknown>> {
  return socket.timeout(10_000).emitWithAck(name, payload) as Promise<Ack<unknown>>;
}

/**
 * Users' steady commands, their acks timed. `repeat` schedules one command of one socket: first sent
 * `startMs` + `everyMs` from now, then every `everyMs`, its payload made at each send. `runFor(ms)` lets
 * the schedules run that long, stops them, waits for the acks still due, and returns how many commands
 * were sent, each latency (in `latencies` in the order the acks came, and by command) and each failure
 * by its code (no ack within 10 s: 'no answer').
 */
export function timedCommands() {
  const latencies: number[] = [];
  const byCommand: Record<string, number[]> = {};
  const failures: Record<string, number> = {};
  const timers: ReturnType<typeof setTimeout>[] = [];
  const pending = new Set<Promise<void>>();
  let calls = 0;
  const send = (socket: Socket, name: CommandName, payload: unknown) => {
    calls += 1;
    const started = performance.now();
    const p = command(socket, name, payload).then(
      (ack) => {
        const ms = performance.now() - started;
        latencies.push(ms);
        const samples = byCommand[name] ?? [];
        samples.push(ms);
        byCommand[name] = samples;
        if (!ack.ok) failures[ack.error.code] = (failures[ack.error.code] ?? 0) + 1;
      },
      () => {
        failures['no answer'] = (failures['no answer'] ?? 0) + 1;
      },
    );
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  return {
    repeat(socket: Socket, name: CommandName, payload: () => unknown, everyMs: number, startMs: number): void {
      timers.push(
        setTimeout(() => {
          timers.push(setInterval(() => send(socket, name, payload()), everyMs));
        }, startMs),
      );
    },
    async runFor(ms: number) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      for (const t of timers) clearInterval(t);
      await Promise.allSettled([...pending]);
      return { calls, latencies, byCommand, failures };
    },
  };
}

/** "p50 1.2 ms · p99 3.4 ms · max 9 ms (1200 acks)". */
export const ackSummary = (latencies: number[]) =>
  `p50 ${percentile(latencies, 50).toFixed(1)} ms · p99 ${percentile(latencies, 99).toFixed(1)} ms · max ${Math.max(...latencies).toFixed(0)} ms (${latencies.length} acks)`;
