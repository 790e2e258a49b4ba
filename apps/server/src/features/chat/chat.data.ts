import { DEFAULT_CHANNEL } from '@huddle/protocol';
import type { Db } from '../../db/database.js';
import { isPostgres } from '../../db/dialect.js';
import { keysetPages } from '../../db/keyset.js';
import type { ExportRecord, FeatureData } from '../../feature.js';
import { createChatStore } from './chat.store.js';

/**
 * Chat's tables in a space's data lifecycle: chat_conversations, chat_messages and chat_reads.
 *
 * The export holds the channels and their messages; direct conversations stay between their two members
 * (an admin's export does not read them). Retention deletes whole message rows: a conversation's
 * `last_seq` stays, so new messages keep counting from it, and since seqs grow with time what retention
 * removes is the oldest seqs of a conversation. History and catch-up simply start later; no gap opens
 * between the messages that remain.
 */
export function chatData(db: Db): FeatureData {
  const postgres = isPostgres(db);

  /** #general, created with its space (migration 0010 gave every older space its own). */
  const seedSpace: FeatureData['seedSpace'] = async (trx, space, now) => {
    await createChatStore(trx).ensureChannel(space, DEFAULT_CHANNEL, now);
  };

  async function* exportSpace(space: string): AsyncGenerator<ExportRecord> {
    // At most CHAT_LIMITS.maxChannelsPerSpace rows: one read.
    const channels = await db
      .selectFrom('chat_conversations')
      .select(['id', 'name', 'last_seq', 'created_at', 'archived_at'])
      .where('space', '=', space)
      .where('kind', '=', 'channel')
      .orderBy('id')
      .execute();
    for (const c of channels) {
      yield {
        type: 'channel',
        id: c.id,
        name: c.name,
        createdAt: c.created_at,
        archivedAt: c.archived_at,
        lastSeq: c.last_seq,
      };
    }
    for (const { id: conversation } of channels) {
      const messages = keysetPages(
        (after: number | undefined, limit) => {
          let page = db
            .selectFrom('chat_messages')
            .select(['seq', 'author_id', 'client_id', 'text', 'created_at', 'edited_at', 'deleted_at'])
            .where('space', '=', space)
            .where('conversation', '=', conversation);
          if (after !== undefined) page = page.where('seq', '>', after);
          return page.orderBy('seq').limit(limit).execute();
        },
        (m) => m.seq,
        1000,
      );
      for await (const m of messages) {
        yield {
          type: 'message',
          channel: conversation,
          seq: m.seq,
          authorId: m.author_id,
          text: m.deleted_at === null ? m.text : '',
          sentAt: m.created_at,
          editedAt: m.edited_at,
          deletedAt: m.deleted_at,
        };
      }
    }
  }

  return {
    seedSpace,
    exportSpace,

    async deleteSpace(trx, space) {
      // Locked first (PostgreSQL): a message sent meanwhile waits for the deletion, then fails.
      if (postgres) {
        await trx.selectFrom('chat_conversations').select('id').where('space', '=', space).forUpdate().execute();
      }
      // Read marks name a conversation id only (`c:general` is in every space): found by their user.
      const usersOfSpace = trx.selectFrom('users').select('id').where('space', '=', space);
      await trx.deleteFrom('chat_reads').where('user_id', 'in', usersOfSpace).execute();
      await trx.deleteFrom('chat_messages').where('space', '=', space).execute();
      await trx.deleteFrom('chat_conversations').where('space', '=', space).execute();
    },

    retention: [
      {
        name: 'chat messages',
        keepDays: 'messageRetentionDays',
        async deleteBatch(space, before, limit) {
          // SKIP LOCKED: a batch another node is deleting right now is not waited for, nor taken again.
          const { numDeletedRows } = await db
            .with('batch', (q) =>
              q
                .selectFrom('chat_messages')
                .select(['conversation', 'seq'])
                .where('space', '=', space)
                .where('created_at', '<', before)
                .orderBy('created_at')
                .limit(limit)
                .$if(postgres, (b) => b.forUpdate().skipLocked()),
            )
            .deleteFrom('chat_messages')
            .where('space', '=', space)
            .where((eb) =>
              eb(
                eb.refTuple('conversation', 'seq'),
                'in',
                eb.selectFrom('batch').select(['batch.conversation', 'batch.seq']).$asTuple('conversation', 'seq'),
              ),
            )
            .executeTakeFirstOrThrow();
          return Number(numDeletedRows);
        },
      },
    ],
  };
}
