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
import type { CommandHandler, CommandHandlers, HuddleSocket } from './types.js';

const FORBIDDEN_MESSAGES: Record<Permission, string> = {
  member: 'Only members of this space can do that',
  settings: 'An admin locked these settings: ask one of them',
  admin: 'Only admins of this space can do that',
  owner: 'Only the owner of this space can do that',
};

type AckFn = (result: Ack<unknown>) => void;
type LooseSocket = {
  on(event: string, listener: (...args: unknown[]) => void): void;
  onAny(listener: (event: string, ...args: unknown[]) => void): void;
};

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
 * Binds every command handler of the app to a socket (once: unknown events are answered here too):
 * rate limit → permission → parse → handler → ack. The permission is the protocol's, declared beside
 * the command; no handler runs for a role that may not send it. Arguments come from the network, so nothing about them is
 * trusted: a payload that fails its schema, a missing or non-function ack, an unknown event or a
 * thrown error all end in an error ack (when there is an ack) and never in a crash. Storage that is
 * away answers UNAVAILABLE (retry later), not INTERNAL.
 */
export function bindCommands(
  socket: HuddleSocket,
  handlers: CommandHandlers,
  deps: {
    logger: Logger;
    metrics?: Pick<Metrics, 'eventsReceived' | 'commandDuration'>;
    limit?: CommandLimit;
    authorize: CommandAuthorize;
    /** Names the address key the per-address limits count this socket under. */
    clientAddress: ClientAddress;
  },
): void {
  const { logger, metrics, limit, authorize } = deps;
  const loose = socket as unknown as LooseSocket;
  const ip = deps.clientAddress(socket.request);

  for (const name of Object.keys(handlers)) {
    if (!isCommandName(name)) continue;
    const handler = handlers[name] as CommandHandler<CommandName>;
    loose.on(name, (...args: unknown[]) => {
      const ack = typeof args.at(-1) === 'function' ? (args.at(-1) as AckFn) : undefined;
      void run(name, handler, args[0], ack);
    });
  }

  loose.onAny((event, ...args) => {
    metrics?.eventsReceived.inc({ event: isCommandName(event) ? event : 'unknown' });
    if (isCommandName(event) && handlers[event]) return;
    const ack = args.at(-1);
    if (typeof ack === 'function') {
      (ack as AckFn)(fail(ErrorCode.NotFound, `Unknown command: ${String(event).slice(0, 60)}`));
    }
  });

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
