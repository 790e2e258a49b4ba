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

/** What a feature plugs into the socket server. */
export interface Feature {
  commands?: CommandHandlers;
  /** Runs for each authenticated socket after it joined its space room (before its snapshot). */
  onConnection?(socket: HuddleSocket): Promise<void> | void;
  /**
   * Sends one socket this feature's current state: on connect, and again when broadcasts may have been
   * lost (a cluster whose Redis was away).
   */
  snapshot?(socket: HuddleSocket): Promise<void> | void;
  /** Waits for work still running after sockets closed (e.g. announcing who left), before shutdown. */
  drain?(): Promise<void>;
}
