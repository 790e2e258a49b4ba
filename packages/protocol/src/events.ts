import type { z } from 'zod';
import type { Ack } from './ack.js';
import { emptyPayloadSchema, type PublicUser } from './schemas/common.js';
import { type PomodoroSnapshot, pomodoroSettingsSchema } from './schemas/pomodoro.js';
import type { ClockSample, Welcome } from './schemas/session.js';

/** Every client→server command, its payload schema. The one place command names are written. */
export const commandSchemas = {
  'clock:sync': emptyPayloadSchema,
  'pomodoro:press': emptyPayloadSchema,
  'pomodoro:pause': emptyPayloadSchema,
  'pomodoro:resume': emptyPayloadSchema,
  'pomodoro:reset': emptyPayloadSchema,
  'pomodoro:settings': pomodoroSettingsSchema,
} as const;

export type CommandName = keyof typeof commandSchemas;
export type CommandPayload<K extends CommandName> = z.input<(typeof commandSchemas)[K]>;

/** What each command acks with on success. */
export interface CommandResults {
  'clock:sync': ClockSample;
  'pomodoro:press': PomodoroSnapshot;
  'pomodoro:pause': PomodoroSnapshot;
  'pomodoro:resume': PomodoroSnapshot;
  'pomodoro:reset': PomodoroSnapshot;
  'pomodoro:settings': PomodoroSnapshot;
}

/** Named handles for command names, so code never spells them out. */
export const Command = {
  ClockSync: 'clock:sync',
  PomodoroPress: 'pomodoro:press',
  PomodoroPause: 'pomodoro:pause',
  PomodoroResume: 'pomodoro:resume',
  PomodoroReset: 'pomodoro:reset',
  PomodoroSettings: 'pomodoro:settings',
} as const satisfies Record<string, CommandName>;

/** Server→client facts and state. */
export const ServerEvent = {
  Welcome: 'session:welcome',
  PomodoroState: 'pomodoro:state',
} as const;

export type ClientToServerEvents = {
  [K in CommandName]: (payload: CommandPayload<K>, ack: (result: Ack<CommandResults[K]>) => void) => void;
};

export interface ServerToClientEvents {
  [ServerEvent.Welcome]: (welcome: Welcome) => void;
  [ServerEvent.PomodoroState]: (snapshot: PomodoroSnapshot) => void;
}

// Nodes of one server do not talk to each other directly yet.
export type InterServerEvents = Record<never, never>;

/** What the server keeps on each authenticated socket. */
export interface SocketData {
  user: PublicUser;
  space: string;
}

/** Socket.IO room holding every socket of a space. */
export function spaceRoom(space: string): `space:${string}` {
  return `space:${space}`;
}

/** Error payload of a refused handshake (`connect_error` → `err.data`). */
export interface HandshakeErrorData {
  code: 'UNAUTHORIZED' | 'PROTOCOL_MISMATCH' | 'UNAVAILABLE';
  message: string;
}
