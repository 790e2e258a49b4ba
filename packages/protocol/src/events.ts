import { z } from 'zod';
import type { Ack } from './ack.js';
import {
  chatArchiveSchema,
  chatChannelRefSchema,
  chatConversationListSchema,
  chatCreateChannelSchema,
  chatEditSchema,
  chatHistoryPageSchema,
  chatHistorySchema,
  chatMessageRefSchema,
  chatMessageSchema,
  chatOpenDirectSchema,
  chatPresenceSchema,
  chatReadMarkSchema,
  chatReadSchema,
  chatSendSchema,
  chatTypingEventSchema,
  chatTypingSchema,
  conversationRemovedSchema,
  conversationSchema,
  conversationViewSchema,
} from './schemas/chat.js';
import {
  clickerBoardSchema,
  clickerBuySchema,
  clickerClickSchema,
  clickerFeedSchema,
  clickerPlayerSchema,
  clickerPurchaseSchema,
  clickResultSchema,
} from './schemas/clicker.js';
import { emptyPayloadSchema, type PublicUser } from './schemas/common.js';
import { pomodoroSettingsSchema, pomodoroSnapshotSchema } from './schemas/pomodoro.js';
import {
  readingsStoredSchema,
  sensorBoardSchema,
  sensorHistoryResultSchema,
  sensorHistorySchema,
  sensorIngestTokenSchema,
  sensorRandomSchema,
  sensorRefSchema,
  sensorSummarySchema,
  sensorThresholdsSchema,
} from './schemas/sensor.js';
import { clockSampleSchema, welcomeSchema } from './schemas/session.js';
import {
  createdInviteSchema,
  deleteSpaceSchema,
  deviceLinkSchema,
  deviceListSchema,
  inviteCreateSchema,
  inviteListSchema,
  inviteRevokeSchema,
  type Permission,
  type Role,
  removeMemberSchema,
  renameSchema,
  sessionEndedSchema,
  setRoleSchema,
  signOutSchema,
  spaceMembersSchema,
  spaceSettingsPatchSchema,
  spaceSettingsSchema,
} from './schemas/space.js';

/**
 * How commands are rate-limited: each class has its own allowance, so a flood of one kind never eats
 * the allowance of another. The server sets each class's rate.
 */
export type CommandClass = 'clock' | 'read' | 'chat' | 'signal' | 'pomodoro' | 'sensor' | 'clicker' | 'space';

/**
 * One client→server command: its payload schema, what it acks with, its rate class, who may send it,
 * and what it does. The server checks `permission` against the sender's role before the handler runs.
 */
export interface CommandSpec<S extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  payload: S;
  /** The `data` of a successful ack. */
  result: R;
  rateClass: CommandClass;
  permission: Permission;
  summary: string;
}

const command = <S extends z.ZodType, R extends z.ZodType>(
  payload: S,
  result: R,
  rateClass: CommandClass,
  permission: Permission,
  summary: string,
): CommandSpec<S, R> => ({ payload, result, rateClass, permission, summary });

/**
 * Every client→server command. The one place a command name is written: the server's handler registry,
 * its rate-limit classes and metrics labels, the client's typed events and the protocol spec all follow it.
 */
export const commands = {
  'clock:sync': command(
    emptyPayloadSchema,
    clockSampleSchema,
    'clock',
    'member',
    'Samples the server clock (deadlines are in server time).',
  ),
  'pomodoro:press': command(
    emptyPayloadSchema,
    pomodoroSnapshotSchema,
    'pomodoro',
    'member',
    'Presses the tomato: moves the timer to its next state.',
  ),
  'pomodoro:pause': command(
    emptyPayloadSchema,
    pomodoroSnapshotSchema,
    'pomodoro',
    'member',
    'Pauses the running period.',
  ),
  'pomodoro:resume': command(
    emptyPayloadSchema,
    pomodoroSnapshotSchema,
    'pomodoro',
    'member',
    'Resumes a paused period.',
  ),
  'pomodoro:reset': command(emptyPayloadSchema, pomodoroSnapshotSchema, 'pomodoro', 'member', 'Back to IDLE.'),
  'pomodoro:settings': command(
    pomodoroSettingsSchema,
    pomodoroSnapshotSchema,
    'pomodoro',
    'settings',
    "Changes the space's durations and cycles.",
  ),
  'chat:send': command(
    chatSendSchema,
    chatMessageSchema,
    'chat',
    'member',
    'Sends a message; a retry with the same client id gets the first one back.',
  ),
  'chat:history': command(
    chatHistorySchema,
    chatHistoryPageSchema,
    'read',
    'member',
    'A page of a conversation, before or after a sequence number.',
  ),
  'chat:create-channel': command(
    chatCreateChannelSchema,
    conversationViewSchema,
    'chat',
    'member',
    'The channel, new or already there.',
  ),
  'chat:open-direct': command(
    chatOpenDirectSchema,
    conversationViewSchema,
    'chat',
    'member',
    'The direct conversation with a user, new or already there.',
  ),
  'chat:typing': command(chatTypingSchema, z.null(), 'signal', 'member', 'Tells the conversation this user is typing.'),
  'chat:read': command(
    chatReadSchema,
    chatReadMarkSchema,
    'signal',
    'member',
    'Marks a conversation read up to a point; the stored position never moves back.',
  ),
  'chat:edit': command(
    chatEditSchema,
    chatMessageSchema,
    'chat',
    'member',
    'Edits one of your own messages; every tab sees it marked "edited".',
  ),
  'chat:delete': command(
    chatMessageRefSchema,
    chatMessageSchema,
    'chat',
    'member',
    'Deletes a message: your own, or anyone\'s for an admin. Shown as "message deleted".',
  ),
  'chat:delete-channel': command(
    chatChannelRefSchema,
    conversationRemovedSchema,
    'chat',
    'admin',
    'Deletes a channel and all its messages (not #general).',
  ),
  'chat:archive-channel': command(
    chatArchiveSchema,
    conversationSchema,
    'chat',
    'admin',
    'Archives a channel (read-only, history kept) or brings it back (not #general).',
  ),
  'sensor:random': command(
    sensorRandomSchema,
    readingsStoredSchema,
    'sensor',
    'member',
    'Generates and stores random readings; acks how many were stored.',
  ),
  'sensor:thresholds': command(
    sensorThresholdsSchema,
    sensorThresholdsSchema,
    'sensor',
    'settings',
    "Sets the space's alarm thresholds.",
  ),
  'sensor:history': command(
    sensorHistorySchema,
    sensorHistoryResultSchema,
    'read',
    'member',
    "A sensor's chart points over a range.",
  ),
  'sensor:token': command(
    emptyPayloadSchema,
    sensorIngestTokenSchema,
    'sensor',
    'admin',
    "The space's device ingest token: whoever holds it can send readings.",
  ),
  'sensor:rotate-token': command(
    emptyPayloadSchema,
    sensorIngestTokenSchema,
    'sensor',
    'admin',
    'A new ingest token; the old one stops working at once.',
  ),
  'sensor:delete': command(
    sensorRefSchema,
    sensorRefSchema,
    'sensor',
    'admin',
    'Deletes a sensor and every reading of it.',
  ),
  'clicker:click': command(
    clickerClickSchema,
    clickResultSchema,
    'clicker',
    'member',
    'Mines gold: a batch of clicks, capped to what a human can do.',
  ),
  'clicker:buy': command(
    clickerBuySchema,
    clickerPlayerSchema,
    'clicker',
    'member',
    'Buys one item; acks the player after the purchase. A retry with the same client id is charged once and acks the player as it is then.',
  ),
  'space:members': command(
    emptyPayloadSchema,
    spaceMembersSchema,
    'read',
    'member',
    'Everyone in the space, with roles.',
  ),
  'space:settings': command(
    spaceSettingsPatchSchema,
    spaceSettingsSchema,
    'space',
    'admin',
    "Changes the space's settings: open or private, the shared-settings lock, retention.",
  ),
  'space:create-invite': command(
    inviteCreateSchema,
    createdInviteSchema,
    'space',
    'admin',
    'A new invite link; its secret is in this answer only.',
  ),
  'space:invites': command(emptyPayloadSchema, inviteListSchema, 'read', 'admin', 'The live invites.'),
  'space:revoke-invite': command(
    inviteRevokeSchema,
    inviteListSchema,
    'space',
    'admin',
    'Revokes an invite at once; answers the live invites left.',
  ),
  'space:set-role': command(
    setRoleSchema,
    spaceMembersSchema,
    'space',
    'owner',
    'Promotes or demotes a member; `owner` hands the space over (the old owner becomes an admin).',
  ),
  'space:remove-member': command(
    removeMemberSchema,
    spaceMembersSchema,
    'space',
    'admin',
    'Removes someone (an admin removes members, the owner anyone else): their tabs close, their tokens stop working, their name is free again.',
  ),
  'space:leave': command(
    emptyPayloadSchema,
    z.null(),
    'space',
    'member',
    'Leaves the space: like being removed, by choice (the owner hands the space over first).',
  ),
  'space:delete': command(
    deleteSpaceSchema,
    z.null(),
    'space',
    'owner',
    'Deletes the space and everything in it; every tab is told and closed, the name is free again.',
  ),
  'session:rename': command(
    renameSchema,
    spaceMembersSchema,
    'space',
    'member',
    'Changes your name; history shows the new one.',
  ),
  'session:devices': command(emptyPayloadSchema, deviceListSchema, 'read', 'member', 'Your signed-in devices.'),
  'session:sign-out': command(
    signOutSchema,
    z.null(),
    'space',
    'member',
    "Signs out this device, or one of your others: its token stops working and its tabs close. Needs this device's newest token (FORBIDDEN for an older copy); other devices: 5, then 1 a minute per user.",
  ),
  'session:link-device': command(
    emptyPayloadSchema,
    deviceLinkSchema,
    'space',
    'member',
    "A one-time code (10 minutes) that signs another browser in as you. Needs this device's newest token (FORBIDDEN for an older copy).",
  ),
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof commands;
export const COMMAND_NAMES = Object.keys(commands) as CommandName[];
export const isCommandName = (name: unknown): name is CommandName =>
  typeof name === 'string' && Object.hasOwn(commands, name);
export type CommandPayload<K extends CommandName> = z.input<(typeof commands)[K]['payload']>;
export type ParsedCommandPayload<K extends CommandName> = z.output<(typeof commands)[K]['payload']>;
/** What each command acks with on success. */
export type CommandResults = { [K in CommandName]: z.output<(typeof commands)[K]['result']> };

/** One server→client event: the handle code names it by (`ServerEvent.X`), its payload, and when it is sent. */
export interface ServerEventSpec<H extends string = string, S extends z.ZodType = z.ZodType> {
  handle: H;
  payload: S;
  description: string;
}

const serverEvent = <const H extends string, S extends z.ZodType>(
  handle: H,
  payload: S,
  description: string,
): ServerEventSpec<H, S> => ({ handle, payload, description });

/** Every server→client event (facts and state): the one place its name is written, as for `commands`. */
export const serverEvents = {
  'session:welcome': serverEvent(
    'Welcome',
    welcomeSchema,
    'On connect, first: who this is, server time, and a renewed session token to keep.',
  ),
  'space:settings': serverEvent(
    'SpaceSettings',
    spaceSettingsSchema,
    'On connect, and to the space when its settings change.',
  ),
  'space:members': serverEvent(
    'SpaceMembers',
    spaceMembersSchema,
    'On connect, and to the space when anyone joins, leaves, is removed, renamed, promoted or demoted.',
  ),
  'session:ended': serverEvent(
    'SessionEnded',
    sessionEndedSchema,
    'This session is over (removed, signed out, left, space deleted); the server closes the connection next.',
  ),
  'pomodoro:state': serverEvent(
    'PomodoroState',
    pomodoroSnapshotSchema,
    'On connect, and to the whole space on every change of its timer.',
  ),
  'chat:conversations': serverEvent(
    'ChatConversations',
    chatConversationListSchema,
    'On connect: the conversations this user can see, with unread counts.',
  ),
  'chat:conversation': serverEvent(
    'ChatConversation',
    conversationSchema,
    'A channel was created (to the space), or a direct conversation with this user was opened (to its members).',
  ),
  'chat:message': serverEvent(
    'ChatMessage',
    chatMessageSchema,
    "A stored message, to everyone who can read the conversation (the sender's tabs too).",
  ),
  'chat:presence': serverEvent(
    'ChatPresence',
    chatPresenceSchema,
    'On connect (the whole list) and to the space whenever users join or leave (only the changes).',
  ),
  'chat:typing': serverEvent('ChatTyping', chatTypingEventSchema, 'Someone is typing, to the other members.'),
  'chat:read': serverEvent('ChatRead', chatReadMarkSchema, 'This user read up to a point in another tab.'),
  'chat:message-changed': serverEvent(
    'ChatMessageChanged',
    chatMessageSchema,
    'A message was edited or deleted, to everyone who can read the conversation.',
  ),
  'chat:conversation-removed': serverEvent(
    'ChatConversationRemoved',
    conversationRemovedSchema,
    'A channel was deleted, to the space.',
  ),
  'sensor:board': serverEvent(
    'SensorBoard',
    sensorBoardSchema,
    'On connect, and to the space when the thresholds change (every status re-evaluated).',
  ),
  'sensor:update': serverEvent(
    'SensorUpdate',
    sensorSummarySchema,
    "One sensor's newest readings, stats and status; coalesced to a few per second per space.",
  ),
  'clicker:player': serverEvent(
    'ClickerPlayer',
    clickerPlayerSchema,
    "This user's game: on connect and to all their tabs whenever it changes.",
  ),
  'clicker:leaderboard': serverEvent(
    'ClickerLeaderboard',
    clickerBoardSchema,
    "On connect, and to the space a few times a second at most while anyone's gold changes.",
  ),
  'sensor:removed': serverEvent('SensorRemoved', sensorRefSchema, 'A sensor and its readings were deleted.'),
  'clicker:feed': serverEvent('ClickerFeed', clickerFeedSchema, 'On connect: the latest purchases.'),
  'clicker:purchase': serverEvent('ClickerPurchase', clickerPurchaseSchema, 'Someone in the space bought an item.'),
} as const satisfies Record<string, ServerEventSpec>;

export type ServerEventName = keyof typeof serverEvents;
type ServerEventHandles = { readonly [K in ServerEventName as (typeof serverEvents)[K]['handle']]: K };

/** Handles for the server→client event names, e.g. `ServerEvent.PomodoroState` is `'pomodoro:state'`. */
export const ServerEvent = Object.fromEntries(
  Object.entries(serverEvents).map(([name, { handle }]) => [handle, name]),
) as ServerEventHandles;

export type ClientToServerEvents = {
  [K in CommandName]: (payload: CommandPayload<K>, ack: (result: Ack<CommandResults[K]>) => void) => void;
};

export type ServerToClientEvents = {
  [K in ServerEventName]: (payload: z.output<(typeof serverEvents)[K]['payload']>) => void;
};

/** Between server nodes, through the Socket.IO adapter (Redis), never from clients. */
export interface InterServerEvents {
  /** A space's pomodoro changed: every node arms its deadline, and the version makes the expiry apply once. */
  'pomodoro:changed': (space: string) => void;
  /** A space's settings, or the role or name of one of its members, changed: nodes refresh what they hold. */
  'space:changed': (space: string, userId: string | null) => void;
  /** A space was deleted: nodes drop what they hold of it in memory (timers, pending broadcasts, caches). */
  'space:deleted': (space: string) => void;
}

/** What the server keeps on each authenticated socket. */
export interface SocketData {
  user: PublicUser;
  space: string;
  /** Kept current when the user is promoted or demoted. */
  role: Role;
  /** The signed-in device (browser) this connection belongs to. */
  deviceId: string;
  /** What the token this connection presented said: its renewal and the revocation checks read it. */
  token: PresentedToken;
}

export interface PresentedToken {
  /** The user's session version it was issued under: a revocation raises the user's. */
  version: number;
  /** Its device's token generation. */
  generation: number;
  issuedAt: number;
  /** Whether it was the device's newest token when presented: only then may it sign devices out. */
  current: boolean;
  /** When it stops being accepted (server epoch ms): the absolute session lifetime, or its own expiry. */
  expiresAt: number;
}
