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

/** Every client→server command, its payload schema. The one place command names are written. */
export const commandSchemas = {
  'clock:sync': emptyPayloadSchema,
  'pomodoro:press': emptyPayloadSchema,
  'pomodoro:pause': emptyPayloadSchema,
  'pomodoro:resume': emptyPayloadSchema,
  'pomodoro:reset': emptyPayloadSchema,
  'pomodoro:settings': pomodoroSettingsSchema,
  'chat:send': chatSendSchema,
  'chat:history': chatHistorySchema,
  'chat:create-channel': chatCreateChannelSchema,
  'chat:open-direct': chatOpenDirectSchema,
  'chat:typing': chatTypingSchema,
  'chat:read': chatReadSchema,
  'sensor:random': sensorRandomSchema,
  'sensor:thresholds': sensorThresholdsSchema,
  'sensor:history': sensorHistorySchema,
  'sensor:token': emptyPayloadSchema,
  'sensor:rotate-token': emptyPayloadSchema,
  'clicker:click': clickerClickSchema,
  'clicker:buy': clickerBuySchema,
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
  /** The stored message; a retry with the same client id gets the first one back. */
  'chat:send': ChatMessage;
  'chat:history': ChatHistoryPage;
  /** The channel, new or already there. */
  'chat:create-channel': ConversationView;
  'chat:open-direct': ConversationView;
  'chat:typing': null;
  /** The read position now stored (it never moves back). */
  'chat:read': ChatReadMark;
  /** How many readings were generated and stored. */
  'sensor:random': { stored: number };
  'sensor:thresholds': SensorThresholds;
  'sensor:history': SensorHistory;
  'sensor:token': SensorIngestToken;
  /** The new token; the old one stops working at once. */
  'sensor:rotate-token': SensorIngestToken;
  'clicker:click': ClickResult;
  /** The player after the purchase. */
  'clicker:buy': ClickerPlayer;
}

/** Named handles for command names, so code never spells them out. */
export const Command = {
  ClockSync: 'clock:sync',
  PomodoroPress: 'pomodoro:press',
  PomodoroPause: 'pomodoro:pause',
  PomodoroResume: 'pomodoro:resume',
  PomodoroReset: 'pomodoro:reset',
  PomodoroSettings: 'pomodoro:settings',
  ChatSend: 'chat:send',
  ChatHistory: 'chat:history',
  ChatCreateChannel: 'chat:create-channel',
  ChatOpenDirect: 'chat:open-direct',
  ChatTyping: 'chat:typing',
  ChatRead: 'chat:read',
  SensorRandom: 'sensor:random',
  SensorThresholds: 'sensor:thresholds',
  SensorHistory: 'sensor:history',
  SensorToken: 'sensor:token',
  SensorRotateToken: 'sensor:rotate-token',
  ClickerClick: 'clicker:click',
  ClickerBuy: 'clicker:buy',
} as const satisfies Record<string, CommandName>;

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
