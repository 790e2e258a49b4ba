import {
  type Ack,
  COMMAND_NAMES,
  type CommandName,
  commands,
  ErrorCode,
  fail,
  isCommandName,
  ok,
  type Permission,
} from '@huddle/protocol';
import type { Logger } from 'pino';
import { isStorageUnavailable } from '../db/storage-errors.js';
import { AppError, parseInput, rateLimited } from '../errors.js';
import type { Feature } from '../feature.js';
import type { Metrics } from '../metrics.js';
import type { ClientAddress } from './client-ip.js';
import type { CommandLimit } from './command-limits.js';
import { cutOff } from './cut-off.js';
import type { PacketVerdict } from './packet-budget.js';
import type { CommandHandler, CommandHandlers, HuddleSocket } from './types.js';

const FORBIDDEN_MESSAGES: Record<Permission, string> = {
  member: 'Only members of this space can do that',
  settings: 'An admin locked these settings: ask one of them',
  admin: 'Only admins of this space can do that',
  owner: 'Only the owner of this space can do that',
};

type AckFn = (result: Ack<unknown>) => void;
type Packet = [event: unknown, ...args: unknown[]];

/**
 * Commands a socket may send before its connection is set up; they wait, in order, and run once it is.
 * The web app sends about ten then (clock samples, history pages); a client sending every command of
 * the protocol at once still fits.
 */
export const MAX_COMMANDS_BEFORE_READY = 64;

/**
 * The app's handler registry from its features' declarations. The protocol's `commands` table is the list
 * to fill: a command no feature handles, or one two features claim, stops the app from being built
 * rather than answering "Unknown command" (or the wrong handler) in production.
 */
export function composeCommands(features: readonly Pick<Feature, 'name' | 'commands'>[]): CommandHandlers {
  const owners = new Map<string, string>();
  const handlers: Record<string, unknown> = {};
  for (const feature of features) {
    for (const [name, handler] of Object.entries(feature.commands ?? {})) {
      const owner = owners.get(name);
      if (owner) throw new Error(`Command ${name} is handled by both ${owner} and ${feature.name}`);
      owners.set(name, feature.name);
      handlers[name] = handler;
    }
  }
  const missing = COMMAND_NAMES.filter((name) => !owners.has(name));
  if (missing.length > 0) throw new Error(`No feature handles these protocol commands: ${missing.join(', ')}`);
  return handlers as CommandHandlers;
}

/** Whether the member behind a socket may send a command that needs `permission` (their role, the space's lock). */
export type CommandAuthorize = (socket: HuddleSocket, permission: Permission) => Promise<boolean>;

/**
 * Binds every command handler of the app to a socket, as the one middleware every packet it sends goes
 * through: packet budget → (wait for the connection's set-up) → rate limit → permission → parse →
 * handler → ack. The budget is checked first, in memory, unknown events included; over it a packet is
 * answered RATE_LIMITED, and far over it the socket is disconnected. No command runs before `ready`
 * says the connection is set up (its rooms joined, its snapshots sent): until then commands wait in a
 * bounded queue and then run one after the other in the order they came; a set-up that failed runs
 * none of them. The permission is the protocol's, declared beside the command; no handler runs for a
 * role that may not send it. Arguments come from the network, so nothing about them is trusted: a
 * payload that fails its schema, a missing or non-function ack, an unknown event or a thrown error all
 * end in an error ack (when there is an ack) and never in a crash. Storage that is away answers
 * UNAVAILABLE (retry later), not INTERNAL.
 */
export function bindCommands(
  socket: HuddleSocket,
  handlers: CommandHandlers,
  deps: {
    logger: Logger;
    metrics?: Pick<Metrics, 'eventsReceived' | 'commandDuration' | 'packetsRefused' | 'socketsCutOff'>;
    limit?: CommandLimit;
    authorize: CommandAuthorize;
    /** Names the address key the per-address limits count this socket under. */
    clientAddress: ClientAddress;
    /** Takes one packet from this socket's budget (`createPacketBudget`). */
    budget?: () => PacketVerdict;
    /** Settles once the connection is set up (true), or its set-up failed and it is being closed (false). */
    ready?: Promise<boolean>;
  },
): void {
  const { logger, metrics, limit, authorize, budget } = deps;
  const ip = deps.clientAddress(socket.request);
  const waiting = deps.ready ? startWhenReady(deps.ready) : undefined;
  let ended = false;

  // Every event of the socket goes through here and goes no further (`next` is never called): there
  // are no per-event listeners for a packet to reach around the budget.
  socket.use((packet) => {
    const [event, ...args] = packet as Packet;
    const ack = typeof args.at(-1) === 'function' ? (args.at(-1) as AckFn) : undefined;
    if (ended) return;
    const spent = budget?.();
    if (spent && !spent.ok) {
      metrics?.packetsRefused.inc({ reason: 'budget' });
      if (spent.disconnect) {
        ended = true;
        metrics?.socketsCutOff.inc({ reason: 'packet budget' });
        logger.warn({ socket: socket.id, user: socket.data.user.id, ip }, 'disconnected: far over its packet budget');
        cutOff(socket);
        return;
      }
      ack?.({ ok: false, error: rateLimited('You are sending too much too fast', spent.retryAfterMs).toBody() });
      return;
    }
    const name = isCommandName(event) && handlers[event] ? event : undefined;
    metrics?.eventsReceived.inc({ event: name ?? 'unknown' });
    if (!name) {
      ack?.(fail(ErrorCode.NotFound, `Unknown command: ${String(event).slice(0, 60)}`));
      return;
    }
    const handler = handlers[name] as CommandHandler<CommandName>;
    const job = () => run(name, handler, args[0], ack);
    if (!waiting) {
      void job();
      return;
    }
    if (waiting.submit(job) === 'full') {
      metrics?.packetsRefused.inc({ reason: 'not ready' });
      ack?.(
        fail(
          ErrorCode.RateLimited,
          `At most ${MAX_COMMANDS_BEFORE_READY} commands may wait for the connection to be ready`,
        ),
      );
    }
  });

  /**
   * Holds commands until `ready` settles, then runs them one after the other (and those that arrive
   * meanwhile after them), so they run in the order they came; after that each command runs as it comes.
   */
  function startWhenReady(ready: Promise<boolean>) {
    let state: 'waiting' | 'draining' | 'open' | 'closed' = 'waiting';
    const queue: (() => Promise<void>)[] = [];
    void ready.then(async (setUp) => {
      if (!setUp) {
        state = 'closed';
        queue.length = 0;
        return;
      }
      state = 'draining';
      for (let job = queue.shift(); job; job = queue.shift()) {
        // The client is gone: no ack can reach it, and it retries what it sent when it is back.
        if (socket.disconnected) queue.length = 0;
        else await job().catch((err: unknown) => logger.error({ err }, 'queued command failed'));
      }
      state = 'open';
    });
    return {
      /** Runs the job now or after those waiting; `full` when it is refused, `dropped` after a failed set-up. */
      submit(job: () => Promise<void>): 'started' | 'queued' | 'full' | 'dropped' {
        if (state === 'open') {
          void job();
          return 'started';
        }
        if (state === 'closed') return 'dropped';
        if (queue.length >= MAX_COMMANDS_BEFORE_READY) return 'full';
        queue.push(job);
        return 'queued';
      },
    };
  }

  async function run(name: CommandName, handler: CommandHandler<CommandName>, payload: unknown, ack?: AckFn) {
    const started = performance.now();
    const result = await outcome(name, handler, payload);
    const ms = performance.now() - started;
    metrics?.commandDuration.observe({ command: name, outcome: result.ok ? 'ok' : result.error.code }, ms / 1000);
    logger.debug({ command: name, ok: result.ok, ms }, 'command');
    ack?.(result);
  }

  async function outcome(
    name: CommandName,
    handler: CommandHandler<CommandName>,
    payload: unknown,
  ): Promise<Ack<unknown>> {
    const allowed = limit ? await limit(name, { userId: socket.data.user.id, ip }) : undefined;
    if (allowed && !allowed.ok) {
      const who = allowed.scope === 'user' ? 'You are' : 'Your network is';
      const refusal = rateLimited(`${who} sending ${allowed.commandClass} commands too fast`, allowed.retryAfterMs);
      return { ok: false, error: refusal.toBody() };
    }
    try {
      const { permission } = commands[name];
      if (!(await authorize(socket, permission))) return fail(ErrorCode.Forbidden, FORBIDDEN_MESSAGES[permission]);
      const parsed = parseInput(commands[name].payload, payload);
      if (!parsed.ok) return { ok: false, error: parsed.error.toBody() };
      return ok(await handler(socket, parsed.data as never));
    } catch (err) {
      if (err instanceof AppError) return { ok: false, error: err.toBody() };
      if (isStorageUnavailable(err)) {
        logger.warn({ err, command: name }, 'storage unavailable');
        return fail(ErrorCode.Unavailable, 'Storage is briefly unavailable; nothing was changed, try again');
      }
      logger.error({ err, command: name, user: socket.data.user?.id }, 'command failed');
      return fail(ErrorCode.Internal, 'Something went wrong on the server; nothing was changed');
    }
  }
}
