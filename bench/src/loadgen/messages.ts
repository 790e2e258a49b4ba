import type { HistogramData } from '../lib/stats.js';
import type { Target } from '../lib/targets.js';

/** Orchestrator → load-generator commands (IPC). */
export type Command =
  | { cmd: 'prepare'; target: Target; url: string; prefix: string; count: number; users: number }
  /** Connects the prepared clients not connected yet, the first `upTo` of them (default: all). */
  | { cmd: 'connect'; concurrency: number; upTo?: number }
  | { cmd: 'close' }
  | { cmd: 'drops' }
  | { cmd: 'chat-start' }
  | { cmd: 'chat-report' }
  | { cmd: 'chat-send'; phase: 'open' | 'closed'; rate: number; durationMs: number; max: number }
  | { cmd: 'press'; command: 'pomodoro:press' | 'pomodoro:reset' }
  | { cmd: 'viewers-start'; count: number }
  | { cmd: 'viewers-report' }
  | { cmd: 'click'; players: number; durationMs: number; perSecond: number; flushMs: number }
  | {
      cmd: 'ingest';
      durationMs: number;
      batch: number;
      concurrency: number;
      perSecond?: number;
      /** Huddle: a session of the space's owner, who may read the ingest token (members may not). */
      ownerToken?: string;
    };

export type Request = Command & { id: number };

/** Load-generator → orchestrator, unasked: every connected client of that process has this pomodoro version. */
export interface PomodoroComplete {
  event: 'pomodoro-complete';
  version: number;
  lastAt: number;
}

export interface ConnectReport {
  ms: number;
  connected: number;
  failed: number;
  firstError: string | null;
}

export interface ChatPhaseReport {
  received: number;
  unique: number;
  duplicates: number;
  firstAt: number;
  lastAt: number;
  latency: HistogramData;
}

export interface SendReport {
  sent: number;
  acked: number;
  failed: number;
  firstError: string | null;
  durationMs: number;
  ack: HistogramData;
}

export interface PressReport {
  version: number;
  sentAt: number;
  ackMs: number;
}

export interface ClickReport {
  players: number;
  sent: number;
  clicks: number;
  credited: number;
  discarded: number;
  failed: number;
  firstError: string | null;
  ack: HistogramData;
}

export interface IngestReport {
  requests: number;
  stored: number;
  /** 429 answers (rate limited). */
  rejected: number;
  failed: number;
  firstError: string | null;
  durationMs: number;
  latency: HistogramData;
}

export interface ViewerReport {
  viewers: number;
  updates: number;
  latency: HistogramData;
}

/** What each command answers. */
export interface Results {
  prepare: { ms: number };
  connect: ConnectReport;
  close: null;
  /** Connections closed by the server or the network since this process started. */
  drops: { count: number; reasons: Record<string, number> };
  'chat-start': null;
  'chat-report': { open: ChatPhaseReport; closed: ChatPhaseReport } | null;
  'chat-send': SendReport;
  press: PressReport;
  'viewers-start': null;
  'viewers-report': ViewerReport;
  click: ClickReport;
  ingest: IngestReport;
}
