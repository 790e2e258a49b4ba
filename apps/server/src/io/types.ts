import type {
  ClientToServerEvents,
  CommandName,
  CommandResults,
  commandSchemas,
  InterServerEvents,
  ServerToClientEvents,
  SocketData,
} from '@huddle/protocol';
import type { Server, Socket } from 'socket.io';
import type { z } from 'zod';

export type HuddleServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type HuddleSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export type CommandHandler<K extends CommandName> = (
  socket: HuddleSocket,
  payload: z.output<(typeof commandSchemas)[K]>,
) => Promise<CommandResults[K]> | CommandResults[K];

export type CommandHandlers = { [K in CommandName]?: CommandHandler<K> };

/** What a feature plugs into the socket server. */
export interface Feature {
  commands?: CommandHandlers;
  /** Runs for each authenticated socket after it joined its space room. */
  onConnection?(socket: HuddleSocket): Promise<void> | void;
}
