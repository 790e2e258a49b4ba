import type { z } from 'zod';
import type { Ack } from './ack.js';
import {
  type ChatConversationList,
  type ChatHistoryPage,
  type ChatMessage,
  type ChatPresence,
  type ChatReadMark,
  type ChatTyping,
  type Conversation,
  type ConversationView,
  chatCreateChannelSchema,
  chatHistorySchema,
  chatOpenDirectSchema,
  chatReadSchema,
  chatSendSchema,
  chatTypingSchema,
} from './schemas/chat.js';
import {
  type ClickerBoard,
  type ClickerFeed,
  type ClickerPlayer,
  type ClickerPurchase,
  type ClickResult,
  clickerBuySchema,
  clickerClickSchema,
} from './schemas/clicker.js';
import { emptyPayloadSchema, type PublicUser } from './schemas/common.js';
import { type PomodoroSnapshot, pomodoroSettingsSchema } from './schemas/pomodoro.js';
import {
  type SensorBoard,
  type SensorHistory,
  type SensorIngestToken,
  type SensorSummary,
  type SensorThresholds,
  sensorHistorySchema,
  sensorRandomSchema,
  sensorThresholdsSchema,
} from './schemas/sensor.js';
import type { ClockSample, Welcome } from './schemas/session.js';

/**
 * How commands are rate-limited: each class has its own allowance, so a flood of one kind never eats
 * the allowance of another. The server sets each class's rate.
 */
export type CommandClass = 'clock' | 'read' | 'chat' | 'signal' | 'pomodoro' | 'sensor' | 'clicker';

/** One client→server command: its payload schema, rate class, what it acks with, and what it does. */
export interface CommandSpec<S extends z.ZodType = z.ZodType, R = unknown> {
  payload: S;
  rateClass: CommandClass;
  summary: string;
  /** Type only (never set): the `data` of a successful ack. */
  readonly result?: R;
}

/** Declares a command; `R` is the type of its successful ack's data. */
function command<R>() {
  return <S extends z.ZodType>(payload: S, rateClass: CommandClass, summary: string): CommandSpec<S, R> => ({
    payload,
    rateClass,
    summary,
  });
}

/**
 * Every client→server command. The one place a command name is written: the server's handler registry,
 * its rate-limit classes and metrics labels, the client's typed events and the protocol spec all follow it.
 */
export const commands = {
  'clock:sync': command<ClockSample>()(
    emptyPayloadSchema,
    'clock',
    'Samples the server clock (deadlines are in server time).',
  ),
  'pomodoro:press': command<PomodoroSnapshot>()(
    emptyPayloadSchema,
    'pomodoro',
    'Presses the tomato: moves the timer to its next state.',
  ),
  'pomodoro:pause': command<PomodoroSnapshot>()(emptyPayloadSchema, 'pomodoro', 'Pauses the running period.'),
  'pomodoro:resume': command<PomodoroSnapshot>()(emptyPayloadSchema, 'pomodoro', 'Resumes a paused period.'),
  'pomodoro:reset': command<PomodoroSnapshot>()(emptyPayloadSchema, 'pomodoro', 'Back to IDLE.'),
  'pomodoro:settings': command<PomodoroSnapshot>()(
    pomodoroSettingsSchema,
    'pomodoro',
    "Changes the space's durations and cycles.",
  ),
  'chat:send': command<ChatMessage>()(
    chatSendSchema,
    'chat',
    'Sends a message; a retry with the same client id gets the first one back.',
  ),
  'chat:history': command<ChatHistoryPage>()(
    chatHistorySchema,
    'read',
    'A page of a conversation, before or after a sequence number.',
  ),
  'chat:create-channel': command<ConversationView>()(
    chatCreateChannelSchema,
    'chat',
    'The channel, new or already there.',
  ),
  'chat:open-direct': command<ConversationView>()(
    chatOpenDirectSchema,
    'chat',
    'The direct conversation with a user, new or already there.',
  ),
  'chat:typing': command<null>()(chatTypingSchema, 'signal', 'Tells the conversation this user is typing.'),
  'chat:read': command<ChatReadMark>()(
    chatReadSchema,
    'signal',
    'Marks a conversation read up to a point; the stored position never moves back.',
  ),
  'sensor:random': command<{ stored: number }>()(
    sensorRandomSchema,
    'sensor',
    'Generates and stores random readings; acks how many were stored.',
  ),
  'sensor:thresholds': command<SensorThresholds>()(
    sensorThresholdsSchema,
    'sensor',
    "Sets the space's alarm thresholds.",
  ),
  'sensor:history': command<SensorHistory>()(sensorHistorySchema, 'read', "A sensor's chart points over a range."),
  'sensor:token': command<SensorIngestToken>()(emptyPayloadSchema, 'sensor', "The space's device ingest token."),
  'sensor:rotate-token': command<SensorIngestToken>()(
    emptyPayloadSchema,
    'sensor',
    'A new ingest token; the old one stops working at once.',
  ),
  'clicker:click': command<ClickResult>()(
    clickerClickSchema,
    'clicker',
    'Mines gold: a batch of clicks, capped to what a human can do.',
  ),
  'clicker:buy': command<ClickerPlayer>()(
    clickerBuySchema,
    'clicker',
    'Buys one item; acks the player after the purchase.',
  ),
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof commands;
export const COMMAND_NAMES = Object.keys(commands) as CommandName[];
export const isCommandName = (name: unknown): name is CommandName =>
  typeof name === 'string' && Object.hasOwn(commands, name);
export type CommandPayload<K extends CommandName> = z.input<(typeof commands)[K]['payload']>;
export type ParsedCommandPayload<K extends CommandName> = z.output<(typeof commands)[K]['payload']>;
/** What each command acks with on success. */
export type CommandResults = {
  [K in CommandName]: (typeof commands)[K] extends CommandSpec<z.ZodType, infer R> ? R : never;
};

/** Server→client facts and state. */
export const ServerEvent = {
  Welcome: 'session:welcome',
  PomodoroState: 'pomodoro:state',
  /** On connect: the conversations this user can see, with unread counts. */
  ChatConversations: 'chat:conversations',
  /** A channel was created, or a direct conversation with this user was opened. */
  ChatConversation: 'chat:conversation',
  ChatMessage: 'chat:message',
  /** On connect (snapshot) and whenever a user joins or leaves the space. */
  ChatPresence: 'chat:presence',
  ChatTyping: 'chat:typing',
  /** This user read up to a point in another tab. */
  ChatRead: 'chat:read',
  /** On connect, and to the space when the thresholds change (every status re-evaluated). */
  SensorBoard: 'sensor:board',
  /** One sensor's newest readings, stats and status; coalesced to a few per second per space. */
  SensorUpdate: 'sensor:update',
  /** This user's game: on connect and to all their tabs whenever it changes. */
  ClickerPlayer: 'clicker:player',
  /** On connect, and to the space a few times a second at most while anyone's gold changes. */
  ClickerLeaderboard: 'clicker:leaderboard',
  /** On connect: the latest purchases. */
  ClickerFeed: 'clicker:feed',
  ClickerPurchase: 'clicker:purchase',
} as const;

export type ClientToServerEvents = {
  [K in CommandName]: (payload: CommandPayload<K>, ack: (result: Ack<CommandResults[K]>) => void) => void;
};

export interface ServerToClientEvents {
  [ServerEvent.Welcome]: (welcome: Welcome) => void;
  [ServerEvent.PomodoroState]: (snapshot: PomodoroSnapshot) => void;
  [ServerEvent.ChatConversations]: (list: ChatConversationList) => void;
  [ServerEvent.ChatConversation]: (conversation: Conversation) => void;
  [ServerEvent.ChatMessage]: (message: ChatMessage) => void;
  [ServerEvent.ChatPresence]: (presence: ChatPresence) => void;
  [ServerEvent.ChatTyping]: (typing: ChatTyping) => void;
  [ServerEvent.ChatRead]: (mark: ChatReadMark) => void;
  [ServerEvent.SensorBoard]: (board: SensorBoard) => void;
  [ServerEvent.SensorUpdate]: (summary: SensorSummary) => void;
  [ServerEvent.ClickerPlayer]: (player: ClickerPlayer) => void;
  [ServerEvent.ClickerLeaderboard]: (board: ClickerBoard) => void;
  [ServerEvent.ClickerFeed]: (feed: ClickerFeed) => void;
  [ServerEvent.ClickerPurchase]: (purchase: ClickerPurchase) => void;
}

/** Between server nodes, through the Socket.IO adapter (Redis), never from clients. */
export interface InterServerEvents {
  /** A space's pomodoro changed: every node arms its deadline, and the version makes the expiry apply once. */
  'pomodoro:changed': (space: string) => void;
}

/** What the server keeps on each authenticated socket. */
export interface SocketData {
  user: PublicUser;
  space: string;
}

/** Error payload of a refused handshake (`connect_error` → `err.data`). */
export interface HandshakeErrorData {
  code: 'UNAUTHORIZED' | 'PROTOCOL_MISMATCH' | 'UNAVAILABLE' | 'RATE_LIMITED';
  message: string;
}
