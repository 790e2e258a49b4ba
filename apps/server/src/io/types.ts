import type {
  ClientToServerEvents,
  CommandName,
  CommandResults,
  InterServerEvents,
  ParsedCommandPayload,
  ServerToClientEvents,
  SocketData,
} from '@huddle/protocol';
import type { Server, Socket } from 'socket.io';

export type HuddleServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type HuddleSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export type CommandHandler<K extends CommandName> = (
  socket: HuddleSocket,
  payload: ParsedCommandPayload<K>,
) => Promise<CommandResults[K]> | CommandResults[K];

export type CommandHandlers = { [K in CommandName]?: CommandHandler<K> };
