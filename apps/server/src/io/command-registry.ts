import { type Ack, type CommandName, commandSchemas, ErrorCode, fail, ok } from '@huddle/protocol';
import type { Logger } from 'pino';
import { AppError, badRequestFrom } from '../errors.js';
import type { CommandHandler, CommandHandlers, HuddleSocket } from './types.js';

type AckFn = (result: Ack<unknown>) => void;
type LooseSocket = {
  on(event: string, listener: (...args: unknown[]) => void): void;
  onAny(listener: (event: string, ...args: unknown[]) => void): void;
};

const isCommand = (name: string): name is CommandName => Object.hasOwn(commandSchemas, name);

/**
 * Binds every command handler of the app to a socket (once: unknown events are answered here too): parse → handler → ack. Arguments come from the network, so
 * nothing about them is trusted: a payload that fails its schema, a missing or non-function ack, an
 * unknown event or a thrown error all end in an error ack (when there is an ack) and never in a crash.
 */
export function bindCommands(socket: HuddleSocket, handlers: CommandHandlers, logger: Logger): void {
  const loose = socket as unknown as LooseSocket;

  for (const name of Object.keys(handlers)) {
    if (!isCommand(name)) continue;
    const handler = handlers[name] as CommandHandler<CommandName>;
    loose.on(name, (...args: unknown[]) => {
      const ack = typeof args.at(-1) === 'function' ? (args.at(-1) as AckFn) : undefined;
      void run(name, handler, args[0], ack);
    });
  }

  loose.onAny((event, ...args) => {
    if (isCommand(event) && handlers[event]) return;
    const ack = args.at(-1);
    if (typeof ack === 'function') {
      (ack as AckFn)(fail(ErrorCode.NotFound, `Unknown command: ${String(event).slice(0, 60)}`));
    }
  });

  async function run(name: CommandName, handler: CommandHandler<CommandName>, payload: unknown, ack?: AckFn) {
    const started = performance.now();
    let result: Ack<unknown>;
    const parsed = commandSchemas[name].safeParse(payload);
    if (!parsed.success) {
      result = { ok: false, error: badRequestFrom(parsed.error).toBody() };
    } else {
      try {
        result = ok(await handler(socket, parsed.data as never));
      } catch (err) {
        if (err instanceof AppError) {
          result = { ok: false, error: err.toBody() };
        } else {
          logger.error({ err, command: name, user: socket.data.user?.id }, 'command failed');
          result = fail(ErrorCode.Internal, 'Something went wrong on the server; nothing was changed');
        }
      }
    }
    logger.debug({ command: name, ok: result.ok, ms: performance.now() - started }, 'command');
    ack?.(result);
  }
}
