import type { InterServerEvents, SpaceSettings } from '@huddle/protocol';
import type { Router } from 'express';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import type { Database } from './db/schema.js';
import type { AddressLimits } from './http/rate-limit.js';
import type { RequireSession } from './http/session-auth.js';
import type { CommandHandlers, HuddleServer, HuddleSocket } from './io/types.js';
import type { RateLimiters } from './lib/token-bucket.js';
import type { AnnouncePresence, Presence } from './presence/presence.js';
import type { SessionService } from './session/session.service.js';
import type { UserStore } from './session/user.store.js';
import type { Membership } from './space/membership.js';
import type { SpaceSeed, SpaceStore } from './space/space.store.js';
import type { SpaceData } from './space/space-data.js';

/** The shared infrastructure a feature is built on; the host makes one for the app and hands it to every feature. */
export interface FeatureContext {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  /** Broadcasts go through it, to the rooms of `io/rooms.ts`. */
  io: HuddleServer;
  /** Sends a server-side event to the other nodes of a cluster; does nothing on a node alone. */
  toOtherNodes<E extends keyof InterServerEvents>(event: E, ...args: Parameters<InterServerEvents[E]>): void;
  /** Shared by every node of a cluster (in memory on a node alone). */
  rateLimiters: RateLimiters;
  /** Per-address limits for HTTP routes (see `FeatureRoutes.limits`). */
  limitPerAddress: AddressLimits;
  presence: Presence;
  /** Tells a space, batched, that a user's first tab arrived or their last one left. */
  announcePresence: AnnouncePresence;
  sessions: SessionService;
  users: UserStore;
  spaces: SpaceStore;
  /** The HTTP check of a session route: token of the route's space, role permits the route's permission. */
  requireSession: RequireSession;
  /** Roles and settings as every node sees them; tells tabs and nodes when they change, ends sessions. */
  membership: Membership;
  /** Every feature's `data`, composed with the core tables': export, delete and retention of a whole space. */
  spaceData: SpaceData;
}

/** One record of a space export, `type` first (`member`, `message`, `reading`…). Never a secret. */
export interface ExportRecord {
  type: string;
  [field: string]: unknown;
}

/** Rows a feature deletes once they are older than a space's retention setting. */
export interface RetentionRule {
  /** What it deletes, for logs: `sensor readings`. */
  name: string;
  /** The space setting that says how many days to keep; a space whose setting is null keeps everything. */
  keepDays: keyof Pick<SpaceSettings, 'readingRetentionDays' | 'messageRetentionDays'>;
  /**
   * Deletes up to `limit` rows of `space` from before `before` (epoch ms), oldest first, in one statement,
   * and answers how many. Nodes run it at the same time: a row is deleted, and counted, by one of them only.
   */
  deleteBatch(space: string, before: number, limit: number): Promise<number>;
}

/** What a feature keeps of a space in its own tables: the host composes every feature's for the data lifecycle. */
export interface FeatureData {
  /**
   * Writes what a space starts with (chat's #general) inside the transaction that creates it: what a
   * command of the space's first connection needs is there from the moment the space is.
   */
  seedSpace?: SpaceSeed;
  /** Its records of a space, read page by page (keyset), never the whole space in memory; no secrets. */
  exportSpace?(space: string): AsyncIterable<ExportRecord>;
  /** Deletes all its rows of a space inside the deletion's one transaction (the core tables go last). */
  deleteSpace?(trx: Transaction<Database>, space: string): Promise<void>;
  /** Drops what this node holds of a deleted space in memory (timers, pending broadcasts); runs on every node. */
  forgetSpace?(space: string): void;
  retention?: readonly RetentionRule[];
}

/** What a feature serves over HTTP; every router is mounted under `/api`. */
export interface FeatureRoutes {
  routes: Router;
  /**
   * `json`: mounted behind the app's default (small) JSON body parser. `own`: the routes parse their own
   * bodies (device ingest takes larger batches), so they are mounted before it.
   */
  bodies: 'json' | 'own';
  /**
   * Per-address limits, mounted before security headers and request logging: a refused request costs
   * one bucket check, no headers and no log line.
   */
  limits?: Router;
}

/**
 * A feature plugged into the app: everything it contributes, declared in one place. The host composes
 * the list in order (connection setup, HTTP mounting and start-up follow it) and names no feature's internals.
 */
export interface Feature {
  name: string;
  /** Handlers of commands of the protocol's `commands` table; every command is handled by exactly one feature. */
  commands?: CommandHandlers;
  http?: FeatureRoutes;
  /** Runs for each authenticated socket after it joined its space and user rooms (before its snapshot). */
  onConnection?(socket: HuddleSocket): Promise<void> | void;
  /**
   * Sends one socket this feature's current state: on connect, and again when broadcasts may have been
   * lost (a cluster whose Redis was away).
   */
  snapshot?(socket: HuddleSocket): Promise<void> | void;
  /** Server-side events from the other nodes of a cluster this feature listens to. */
  clusterEvents?: Partial<InterServerEvents>;
  /** Runs once the port is bound (e.g. re-arming stored deadlines). */
  start?(): Promise<void>;
  /** Stops timers and flushes pending broadcasts; the first step of a shutdown, before sockets close. */
  stop?(): Promise<void> | void;
  /** Waits for work still running after sockets closed (e.g. announcing who left), before storage closes. */
  drain?(): Promise<void>;
  /** Its tables' part in exporting, deleting and expiring a space's data. */
  data?: FeatureData;
}

/** A feature module's export: builds the feature on the app's infrastructure. */
export type FeatureFactory = (ctx: FeatureContext) => Feature;
