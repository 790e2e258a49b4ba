import type { ChatMessage, PublicUser } from '@huddle/protocol';
import type { ExpressionBuilder, Insertable } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Database } from '../../db/schema.js';

export type StoredConversation =
  | { id: string; kind: 'channel'; name: string; lastSeq: number; archived: boolean }
  | { id: string; kind: 'direct'; members: [PublicUser, PublicUser]; lastSeq: number };

export interface NewMessage {
  author: PublicUser;
  clientId: string;
  text: string;
  now: number;
}

export interface ChatStore {
  /** Creates the channel unless it exists; `created` tells which. */
  ensureChannel(
    space: string,
    name: string,
    now: number,
  ): Promise<{ conversation: StoredConversation; created: boolean }>;
  /** Names of the space's channels. */
  channelNames(space: string): Promise<string[]>;
  ensureDirect(
    space: string,
    a: string,
    b: string,
    now: number,
  ): Promise<{ conversation: StoredConversation; created: boolean }>;
  get(space: string, id: string): Promise<StoredConversation | null>;
  /**
   * The conversation and the message this author stored in it with this client id, if any: what a send
   * needs to know before it stores anything, in one lookup.
   */
  getWithSent(
    space: string,
    id: string,
    authorId: string,
    clientId: string,
  ): Promise<{ conversation: StoredConversation; sent: ChatMessage | null } | null>;
  /** Every channel of the space and the user's direct conversations, with their unread counts. */
  listFor(
    space: string,
    userId: string,
  ): Promise<{ conversation: StoredConversation; unread: number; lastReadSeq: number }[]>;
  /**
   * Stores a message with the next seq of its conversation, unless this author already stored one
   * with this client id: then that one is returned with `duplicate`. Callers look for such a message
   * first (`getWithSent`); this only settles a retry that races the original.
   */
  append(
    space: string,
    conversationId: string,
    message: NewMessage,
  ): Promise<{ message: ChatMessage; duplicate: boolean }>;
  /** Messages of one page, ascending by seq; `hasMore` looks one row further in the asked direction. */
  page(
    space: string,
    conversationId: string,
    range: { before?: number | undefined; after?: number | undefined; limit: number },
  ): Promise<{ messages: ChatMessage[]; hasMore: boolean }>;
  /** Moves the user's read position forward (never back); returns the stored position. */
  markRead(userId: string, conversationId: string, seq: number): Promise<number>;
  /** One message, with its author's current name; null when there is no such seq. */
  message(space: string, conversationId: string, seq: number): Promise<ChatMessage | null>;
  /**
   * Replaces the text of a message by `authorId` that is not deleted, marking it edited at `now`;
   * null when no such message (someone else's, deleted meanwhile, or none).
   */
  edit(
    space: string,
    conversationId: string,
    seq: number,
    change: { authorId: string; text: string; now: number },
  ): Promise<ChatMessage | null>;
  /** Marks a message deleted and drops its text; a deleted one keeps its first deletion time. Null when none. */
  remove(space: string, conversationId: string, seq: number, now: number): Promise<ChatMessage | null>;
  /** Deletes a conversation with its messages and its members' read marks; false when it was not there. */
  deleteConversation(space: string, id: string): Promise<boolean>;
  /** Archives a conversation at `at`, or brings it back with null; an archived one keeps its first time. */
  setArchived(space: string, id: string, at: number | null): Promise<StoredConversation | null>;
}

export const channelId = (name: string) => `c:${name}`;
export const directId = (a: string, b: string) => (a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`);

type ConversationRow = {
  id: string;
  kind: string;
  name: string | null;
  last_seq: number;
  archived_at: number | null;
  a_id: string | null;
  a_name: string | null;
  b_id: string | null;
  b_name: string | null;
};

function toConversation(row: ConversationRow): StoredConversation {
  if (row.kind === 'direct') {
    return {
      id: row.id,
      kind: 'direct',
      members: [
        { id: row.a_id ?? '', name: row.a_name ?? '' },
        { id: row.b_id ?? '', name: row.b_name ?? '' },
      ],
      lastSeq: row.last_seq,
    };
  }
  return {
    id: row.id,
    kind: 'channel',
    name: row.name ?? '',
    lastSeq: row.last_seq,
    archived: row.archived_at !== null,
  };
}

type MessageRow = {
  conversation: string;
  seq: number;
  client_id: string;
  author_id: string;
  author_name: string;
  text: string;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
};

/** The author's name is the one in `users` now: a rename shows in all history. */
const toMessage = (row: MessageRow): ChatMessage => ({
  conversationId: row.conversation,
  seq: row.seq,
  clientId: row.client_id,
  author: { id: row.author_id, name: row.author_name },
  // Emptied in storage when deleted; not shown even if a row from before that rule held some.
  text: row.deleted_at === null ? row.text : '',
  sentAt: row.created_at,
  ...(row.edited_at === null ? {} : { editedAt: row.edited_at }),
  ...(row.deleted_at === null ? {} : { deleted: true }),
});

export function createChatStore(db: Db): ChatStore {
  const conversations = () =>
    db
      .selectFrom('chat_conversations as c')
      .leftJoin('users as ua', 'ua.id', 'c.member_a')
      .leftJoin('users as ub', 'ub.id', 'c.member_b')
      .select([
        'c.id',
        'c.kind',
        'c.name',
        'c.last_seq',
        'c.archived_at',
        'ua.id as a_id',
        'ua.name as a_name',
        'ub.id as b_id',
        'ub.name as b_name',
      ]);

  const messages = () =>
    db
      .selectFrom('chat_messages as m')
      .innerJoin('users as u', 'u.id', 'm.author_id')
      .select([
        'm.conversation',
        'm.seq',
        'm.client_id',
        'm.author_id',
        'u.name as author_name',
        'm.text',
        'm.created_at',
        'm.edited_at',
        'm.deleted_at',
      ]);

  async function get(space: string, id: string) {
    const row = await conversations().where('c.space', '=', space).where('c.id', '=', id).executeTakeFirst();
    return row ? toConversation(row) : null;
  }

  async function message(space: string, conversationId: string, seq: number) {
    const row = await messages()
      .where('m.space', '=', space)
      .where('m.conversation', '=', conversationId)
      .where('m.seq', '=', seq)
      .executeTakeFirst();
    return row ? toMessage(row) : null;
  }

  async function insertConversation(values: Insertable<Database['chat_conversations']>) {
    const result = await db
      .insertInto('chat_conversations')
      .values(values)
      .onConflict((oc) => oc.columns(['space', 'id']).doNothing())
      .executeTakeFirst();
    const conversation = await get(values.space, values.id);
    if (!conversation) throw new Error(`conversation ${values.id} vanished`);
    return { conversation, created: Number(result.numInsertedOrUpdatedRows ?? 0) === 1 };
  }

  const findByClientId = (space: string, conversationId: string, authorId: string, clientId: string) =>
    messages()
      .where('m.space', '=', space)
      .where('m.conversation', '=', conversationId)
      .where('m.author_id', '=', authorId)
      .where('m.client_id', '=', clientId)
      .executeTakeFirst();

  return {
    get,
    async getWithSent(space, id, authorId, clientId) {
      const row = await conversations()
        .leftJoin('chat_messages as m', (join) =>
          join
            .onRef('m.space', '=', 'c.space')
            .onRef('m.conversation', '=', 'c.id')
            .on('m.author_id', '=', authorId)
            .on('m.client_id', '=', clientId),
        )
        .leftJoin('users as u', 'u.id', 'm.author_id')
        .select([
          'm.seq as sent_seq',
          'u.name as sent_author_name',
          'm.text as sent_text',
          'm.created_at as sent_at',
          'm.edited_at as sent_edited_at',
          'm.deleted_at as sent_deleted_at',
        ])
        .where('c.space', '=', space)
        .where('c.id', '=', id)
        .executeTakeFirst();
      if (!row) return null;
      const sent =
        row.sent_seq === null
          ? null
          : toMessage({
              conversation: row.id,
              seq: row.sent_seq,
              client_id: clientId,
              author_id: authorId,
              author_name: row.sent_author_name ?? '',
              text: row.sent_text ?? '',
              created_at: row.sent_at ?? 0,
              edited_at: row.sent_edited_at,
              deleted_at: row.sent_deleted_at,
            });
      return { conversation: toConversation(row), sent };
    },
    ensureChannel(space, name, now) {
      return insertConversation({
        space,
        id: channelId(name),
        kind: 'channel',
        name,
        member_a: null,
        member_b: null,
        last_seq: 0,
        created_at: now,
      });
    },
    async channelNames(space) {
      const rows = await db
        .selectFrom('chat_conversations')
        .select('name')
        .where('space', '=', space)
        .where('kind', '=', 'channel')
        .execute();
      return rows.flatMap((r) => (r.name === null ? [] : [r.name]));
    },
    ensureDirect(space, a, b, now) {
      const [first, second] = a < b ? [a, b] : [b, a];
      return insertConversation({
        space,
        id: directId(a, b),
        kind: 'direct',
        name: null,
        member_a: first,
        member_b: second,
        last_seq: 0,
        created_at: now,
      });
    },
    async listFor(space, userId) {
      const visible = (eb: ExpressionBuilder<Database & { c: Database['chat_conversations'] }, 'c'>) =>
        eb.or([eb('c.kind', '=', 'channel'), eb('c.member_a', '=', userId), eb('c.member_b', '=', userId)]);
      const rows = await conversations()
        .leftJoin('chat_reads as r', (join) => join.onRef('r.conversation', '=', 'c.id').on('r.user_id', '=', userId))
        .select('r.last_read_seq')
        .where('c.space', '=', space)
        .where(visible)
        .orderBy('c.kind')
        .orderBy('c.name')
        .orderBy('c.id')
        .execute();
      const unreadRows = await db
        .selectFrom('chat_messages as m')
        .innerJoin('chat_conversations as c', (join) =>
          join.onRef('c.space', '=', 'm.space').onRef('c.id', '=', 'm.conversation'),
        )
        .leftJoin('chat_reads as r', (join) =>
          join.onRef('r.conversation', '=', 'm.conversation').on('r.user_id', '=', userId),
        )
        .select(['m.conversation', (eb) => eb.fn.countAll<number | string>().as('n')])
        .where('m.space', '=', space)
        .where(visible)
        .where('m.author_id', '<>', userId)
        .where('m.deleted_at', 'is', null)
        .where((eb) => eb('m.seq', '>', eb.fn.coalesce('r.last_read_seq', eb.lit(0))))
        .groupBy('m.conversation')
        .execute();
      const unread = new Map(unreadRows.map((r) => [r.conversation, Number(r.n)]));
      return rows.map((row) => ({
        conversation: toConversation(row),
        unread: unread.get(row.id) ?? 0,
        lastReadSeq: row.last_read_seq ?? 0,
      }));
    },
    async append(space, conversationId, { author, clientId, text, now }) {
      try {
        const seq = await db.transaction().execute(async (trx) => {
          // Taking the next seq locks the conversation row until commit, so seqs commit in order.
          const { last_seq } = await trx
            .updateTable('chat_conversations')
            .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
            .where('space', '=', space)
            .where('id', '=', conversationId)
            .returning('last_seq')
            .executeTakeFirstOrThrow();
          // A retry that stored this client id meanwhile fails this insert on the unique key; the
          // rollback then gives the seq back.
          await trx
            .insertInto('chat_messages')
            .values({
              space,
              conversation: conversationId,
              seq: last_seq,
              author_id: author.id,
              client_id: clientId,
              text,
              created_at: now,
            })
            .execute();
          return last_seq;
        });
        return {
          message: { conversationId, seq, clientId, author: { id: author.id, name: author.name }, text, sentAt: now },
          duplicate: false,
        };
      } catch (err) {
        // A concurrent retry of the same message won the unique key: answer with its row. Looked up
        // outside the failed transaction, which PostgreSQL has aborted.
        const stored = await findByClientId(space, conversationId, author.id, clientId);
        if (stored) return { message: toMessage(stored), duplicate: true };
        throw err;
      }
    },
    async page(space, conversationId, { before, after, limit }) {
      let query = messages().where('m.space', '=', space).where('m.conversation', '=', conversationId);
      if (after !== undefined) {
        query = query.where('m.seq', '>', after).orderBy('m.seq', 'asc');
      } else {
        if (before !== undefined) query = query.where('m.seq', '<', before);
        query = query.orderBy('m.seq', 'desc');
      }
      const rows = await query.limit(limit + 1).execute();
      const hasMore = rows.length > limit;
      const page = rows.slice(0, limit).map(toMessage);
      if (after === undefined) page.reverse();
      return { messages: page, hasMore };
    },
    async markRead(userId, conversationId, seq) {
      await db
        .insertInto('chat_reads')
        .values({ user_id: userId, conversation: conversationId, last_read_seq: seq })
        .onConflict((oc) =>
          oc
            .columns(['user_id', 'conversation'])
            .doUpdateSet({ last_read_seq: seq })
            .where('chat_reads.last_read_seq', '<', seq),
        )
        .execute();
      const row = await db
        .selectFrom('chat_reads')
        .select('last_read_seq')
        .where('user_id', '=', userId)
        .where('conversation', '=', conversationId)
        .executeTakeFirstOrThrow();
      return row.last_read_seq;
    },
    message,
    async edit(space, conversationId, seq, { authorId, text, now }) {
      const result = await db
        .updateTable('chat_messages')
        .set({ text, edited_at: now })
        .where('space', '=', space)
        .where('conversation', '=', conversationId)
        .where('seq', '=', seq)
        .where('author_id', '=', authorId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 0 ? null : message(space, conversationId, seq);
    },
    async remove(space, conversationId, seq, now) {
      await db
        .updateTable('chat_messages')
        .set((eb) => ({ text: '', deleted_at: eb.fn.coalesce('deleted_at', eb.val(now)) }))
        .where('space', '=', space)
        .where('conversation', '=', conversationId)
        .where('seq', '=', seq)
        .execute();
      return message(space, conversationId, seq);
    },
    deleteConversation(space, id) {
      return db.transaction().execute(async (trx) => {
        // Touching the row first locks it until commit: a message being appended meanwhile (which
        // locks it the same way) commits before the messages are deleted, or finds no conversation.
        const touched = await trx
          .updateTable('chat_conversations')
          .set((eb) => ({ last_seq: eb.ref('last_seq') }))
          .where('space', '=', space)
          .where('id', '=', id)
          .executeTakeFirst();
        if (Number(touched.numUpdatedRows) === 0) return false;
        // Read marks carry no space: the conversation's are those of this space's users.
        await trx
          .deleteFrom('chat_reads')
          .where('conversation', '=', id)
          .where('user_id', 'in', (eb) => eb.selectFrom('users').select('id').where('space', '=', space))
          .execute();
        await trx.deleteFrom('chat_messages').where('space', '=', space).where('conversation', '=', id).execute();
        await trx.deleteFrom('chat_conversations').where('space', '=', space).where('id', '=', id).execute();
        return true;
      });
    },
    async setArchived(space, id, at) {
      await db
        .updateTable('chat_conversations')
        .set((eb) => ({ archived_at: at === null ? null : eb.fn.coalesce('archived_at', eb.val(at)) }))
        .where('space', '=', space)
        .where('id', '=', id)
        .execute();
      return get(space, id);
    },
  };
}
