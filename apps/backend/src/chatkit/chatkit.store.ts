/**
 * The ChatKit Store on PostgreSQL. A member sees only their own threads in their course; items are kept as the JSON
 * ChatKit sends (without id, thread id, type and time, which are columns).
 */
import { randomBytes } from 'node:crypto';
import {
  NotFoundError,
  type Order,
  type Page,
  type Store,
  type ThreadItem,
  type ThreadMetadata,
} from '@class-assist/chatkit-server';
import { sql } from 'kysely';
import { type CourseTx, inCourse } from '../db/course-scope.js';
import type { Db } from '../db/pool.js';
import type { WidgetMember } from '../widget/widget-state.js';

export interface ChatContext {
  member: WidgetMember;
}

const PREFIXES: Record<string, string> = {
  message: 'msg',
  tool_call: 'tc',
  task: 'tsk',
  workflow: 'wf',
  sdk_hidden_context: 'shcx',
};
const newId = (prefix: string) => `${prefix}_${randomBytes(8).toString('hex')}`;

type ItemRow = { id: string; thread_id: string; type: string; data: unknown; created_at: Date };

function toItem(row: ItemRow): ThreadItem {
  return {
    ...(row.data as object),
    id: row.id,
    thread_id: row.thread_id,
    type: row.type,
    created_at: row.created_at.toISOString(),
  } as ThreadItem;
}

function toData(item: ThreadItem): string {
  const { id: _id, thread_id: _thread, type: _type, created_at: _created, ...data } = item;
  return JSON.stringify(data);
}

export function createChatKitStore(db: Db): Store<ChatContext> {
  const scoped = <T>({ member }: ChatContext, work: (tx: CourseTx) => Promise<T>) =>
    inCourse(db, member.courseId, work);

  const ownThread = async (tx: CourseTx, threadId: string, { member }: ChatContext) => {
    const row = await tx
      .selectFrom('chatkit_threads')
      .selectAll()
      .where('id', '=', threadId)
      .where('course_id', '=', member.courseId)
      .where('user_id', '=', member.userId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`Thread ${threadId} was not found`);
    return row;
  };

  /** Inserts an item; with `replace`, an item of the same id is replaced instead of refused. */
  const writeItem = (threadId: string, item: ThreadItem, context: ChatContext, replace: boolean) =>
    scoped(context, async (tx) => {
      await ownThread(tx, threadId, context);
      const insert = tx.insertInto('chatkit_items').values({
        id: item.id,
        thread_id: threadId,
        course_id: context.member.courseId,
        type: item.type,
        data: toData(item),
        created_at: item.created_at,
      });
      await (replace
        ? insert.onConflict((oc) =>
            oc.columns(['thread_id', 'id']).doUpdateSet({ type: item.type, data: toData(item) }),
          )
        : insert
      ).execute();
    });

  return {
    generateThreadId: () => newId('thr'),
    generateItemId: (kind) => newId(PREFIXES[kind] ?? 'itm'),

    loadThread: (threadId, context) =>
      scoped(context, async (tx) => {
        const row = await ownThread(tx, threadId, context);
        return {
          id: row.id,
          ...(row.title ? { title: row.title } : {}),
          created_at: row.created_at.toISOString(),
          status: row.status as ThreadMetadata['status'],
          metadata: row.metadata as Record<string, unknown>,
        };
      }),

    saveThread: (thread, context) =>
      scoped(context, async (tx) => {
        await tx
          .insertInto('chatkit_threads')
          .values({
            id: thread.id,
            course_id: context.member.courseId,
            user_id: context.member.userId,
            title: thread.title ?? null,
            status: JSON.stringify(thread.status),
            metadata: JSON.stringify(thread.metadata),
            created_at: thread.created_at,
          })
          .onConflict((oc) =>
            oc.column('id').doUpdateSet({
              title: thread.title ?? null,
              status: JSON.stringify(thread.status),
              metadata: JSON.stringify(thread.metadata),
            }),
          )
          .execute();
      }),

    loadThreads: (limit, after, order, context) =>
      scoped(context, async (tx) => {
        let query = tx
          .selectFrom('chatkit_threads')
          .selectAll()
          .where('course_id', '=', context.member.courseId)
          .where('user_id', '=', context.member.userId);
        if (after) {
          const cursor = await ownThread(tx, after, context);
          const op = order === 'asc' ? '>' : '<';
          query = query.where(sql<boolean>`(created_at, id) ${sql.raw(op)} (${cursor.created_at}, ${cursor.id})`);
        }
        const rows = await query
          .orderBy('created_at', order)
          .orderBy('id', order)
          .limit(limit + 1)
          .execute();
        const data: ThreadMetadata[] = rows.slice(0, limit).map((row) => ({
          id: row.id,
          ...(row.title ? { title: row.title } : {}),
          created_at: row.created_at.toISOString(),
          status: row.status as ThreadMetadata['status'],
          metadata: {},
        }));
        return page(data, rows.length > limit);
      }),

    deleteThread: (threadId, context) =>
      scoped(context, async (tx) => {
        await ownThread(tx, threadId, context);
        await tx.deleteFrom('chatkit_threads').where('id', '=', threadId).execute();
      }),

    loadThreadItems: (threadId, after, limit, order: Order, context) =>
      scoped(context, async (tx) => {
        await ownThread(tx, threadId, context);
        let query = tx
          .selectFrom('chatkit_items')
          .select(['id', 'thread_id', 'type', 'data', 'created_at'])
          .where('thread_id', '=', threadId);
        if (after) {
          const cursor = await tx
            .selectFrom('chatkit_items')
            .select('seq')
            .where('thread_id', '=', threadId)
            .where('id', '=', after)
            .executeTakeFirst();
          if (!cursor) throw new NotFoundError(`Item ${after} was not found`);
          query = query.where('seq', order === 'asc' ? '>' : '<', cursor.seq);
        }
        const rows = await query
          .orderBy('seq', order)
          .limit(limit + 1)
          .execute();
        return page(rows.slice(0, limit).map(toItem), rows.length > limit);
      }),

    addThreadItem: (threadId, item, context) => writeItem(threadId, item, context, false),

    saveItem: (threadId, item, context) => writeItem(threadId, item, context, true),

    loadItem: (threadId, itemId, context) =>
      scoped(context, async (tx) => {
        await ownThread(tx, threadId, context);
        const row = await tx
          .selectFrom('chatkit_items')
          .select(['id', 'thread_id', 'type', 'data', 'created_at'])
          .where('thread_id', '=', threadId)
          .where('id', '=', itemId)
          .executeTakeFirst();
        if (!row) throw new NotFoundError(`Item ${itemId} was not found`);
        return toItem(row);
      }),

    deleteThreadItem: (threadId, itemId, context) =>
      scoped(context, async (tx) => {
        await ownThread(tx, threadId, context);
        await tx.deleteFrom('chatkit_items').where('thread_id', '=', threadId).where('id', '=', itemId).execute();
      }),
  };
}

function page<T extends { id: string }>(data: T[], hasMore: boolean): Page<T> {
  const last = data[data.length - 1];
  return hasMore && last ? { data, has_more: true, after: last.id } : { data, has_more: false };
}
