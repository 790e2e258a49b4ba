import type { ColumnType, Generated } from 'kysely';

/** Epoch milliseconds. PostgreSQL BIGINT is parsed to number (safe: dates fit in 2^53). */
type Millis = number;

export interface SpacesTable {
  slug: string;
  created_at: Millis;
  visibility: ColumnType<'private' | 'open', 'private' | 'open' | undefined, 'private' | 'open'>;
  /** 1: pomodoro settings and alarm thresholds are for admins only. */
  lock_shared_settings: ColumnType<number, number | undefined, number>;
  reading_retention_days: ColumnType<number, number | undefined, number>;
  /** Null keeps messages. */
  message_retention_days: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface UsersTable {
  id: string;
  space: string;
  name: string;
  /** The name's confusable skeleton (`nameKey`): names are unique per space by this key. */
  name_key: string;
  created_at: Millis;
  /** Session tokens issued before this are revoked (revocations before session versions). */
  sessions_valid_after: ColumnType<Millis, Millis | undefined, Millis>;
  /** Tokens carry the version they were issued under; an older one is revoked. */
  session_version: ColumnType<number, number | undefined, number>;
  role: ColumnType<
    'owner' | 'admin' | 'member',
    'owner' | 'admin' | 'member' | undefined,
    'owner' | 'admin' | 'member'
  >;
  /** Set when they left or were removed: the row stays (messages name them), the name is freed. */
  removed_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  /** 1: a browser that held their session may not join again. */
  blocked: ColumnType<number, number | undefined, number>;
}

export interface DevicesTable {
  id: string;
  user_id: string;
  label: string;
  created_at: Millis;
  last_seen_at: Millis;
  revoked_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  /** The newest token generation presented by this device: an older one may connect but not revoke. */
  generation: ColumnType<number, number | undefined, number>;
}

/**
 * A revocation, kept for a while so every node can close the sockets it concerns even when the broadcast
 * that should have closed them was lost (Redis away).
 */
export interface SessionRevocationsTable {
  at: Millis;
  user_id: string;
  /** Set: that device was signed out. Null: the user's sessions older than `version` were. */
  device_id: string | null;
  /** The user's session version after the revocation. */
  version: number;
  reason: 'removed' | 'left' | 'signed-out' | 'revoked';
}

export interface InvitesTable {
  id: string;
  /** SHA-256 (hex) of the secret. */
  code_hash: string;
  space: string;
  created_by: string;
  created_at: Millis;
  expires_at: Millis;
  max_uses: number | null;
  uses: number;
  revoked_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
}

export interface DeviceLinksTable {
  code_hash: string;
  user_id: string;
  created_at: Millis;
  expires_at: Millis;
  used_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
}

export interface PomodorosTable {
  space: string;
  state: number;
  ends_at: Millis | null;
  paused_remaining_ms: number | null;
  period_ms: number | null;
  completed: number;
  cycles_done: number;
  work_seconds: number;
  short_break_seconds: number;
  long_break_seconds: number;
  cycles_before_long_break: number;
  /** JSON of PomodoroActivity. */
  activity: ColumnType<string | null, string | null, string | null>;
  version: number;
  updated_at: Millis;
}

export interface ChatConversationsTable {
  space: string;
  /** `c:<name>` or `dm:<userId>:<userId>` (ids sorted), unique within the space. */
  id: string;
  kind: 'channel' | 'direct';
  /** Channel name; null for a direct conversation. */
  name: string | null;
  /** The two members of a direct conversation; null for a channel. */
  member_a: string | null;
  member_b: string | null;
  /** Seq of the newest message: the next one gets last_seq + 1, so seqs have no gaps. */
  last_seq: number;
  created_at: Millis;
  archived_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
}

export interface ChatMessagesTable {
  space: string;
  conversation: string;
  seq: number;
  author_id: string;
  /** The sender's id for this message: a retry with the same one is stored once. */
  client_id: string;
  text: string;
  created_at: Millis;
  edited_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  /** The text is emptied when this is set. */
  deleted_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
}

export interface ChatReadsTable {
  user_id: string;
  conversation: string;
  last_read_seq: number;
}

export interface SensorSettingsTable {
  space: string;
  humidity_max: number;
  /** °F */
  temperature_max: number;
  /** Bearer token devices send to the ingest API. */
  ingest_token: string;
  updated_at: Millis;
}

export interface SensorsTable {
  space: string;
  sensor_id: string;
  /** Newest reading time. */
  last_at: Millis;
  /** BIGINT since 0008: a busy sensor passes 2^31 readings in a few years. */
  total: number;
}

export interface SensorReadingsTable {
  /** Insertion order: breaks ties between readings with the same time. */
  id: Generated<number>;
  space: string;
  sensor_id: string;
  humidity: number;
  /** °F */
  temperature: number;
  at: Millis;
  received_at: Millis;
}

/** Aggregates of a sensor's readings in one bucket of time: [bucket_start, bucket_start + resolution_ms). */
export interface SensorRollupsTable {
  space: string;
  sensor_id: string;
  /** The bucket's length: 60,000 (minutes). */
  resolution_ms: number;
  /** A multiple of resolution_ms. */
  bucket_start: Millis;
  count: number;
  humidity_sum: number;
  humidity_min: number;
  humidity_max: number;
  /** °F, as the readings. */
  temperature_sum: number;
  temperature_min: number;
  temperature_max: number;
}

export interface ClickerPlayersTable {
  user_id: string;
  space: string;
  /** Thousandths of gold at settled_at. */
  gold_milli: number;
  per_click: number;
  per_second: number;
  /** JSON: owned count per item id. */
  items: string;
  clicks: number;
  settled_at: Millis;
  /** Click allowance (token bucket), thousandths of a click, as of tokens_at. */
  click_tokens_milli: number;
  tokens_at: Millis;
  version: number;
}

export interface ClickerPurchasesTable {
  id: Generated<number>;
  space: string;
  user_id: string;
  item: string;
  price: number;
  at: Millis;
  /** The buyer's id for this purchase (null before 0008): a retry with the same one is charged once. */
  client_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface Database {
  spaces: SpacesTable;
  users: UsersTable;
  devices: DevicesTable;
  session_revocations: SessionRevocationsTable;
  invites: InvitesTable;
  device_links: DeviceLinksTable;
  pomodoros: PomodorosTable;
  chat_conversations: ChatConversationsTable;
  chat_messages: ChatMessagesTable;
  chat_reads: ChatReadsTable;
  sensor_settings: SensorSettingsTable;
  sensors: SensorsTable;
  sensor_readings: SensorReadingsTable;
  sensor_rollups: SensorRollupsTable;
  clicker_players: ClickerPlayersTable;
  clicker_purchases: ClickerPurchasesTable;
}
