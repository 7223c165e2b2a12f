/** Where threads and items live. Every method receives the request context (who is asking). */
import type { Page, ThreadItem, ThreadMetadata } from './types.js';

export type Order = 'asc' | 'desc';

export interface Store<C> {
  generateThreadId(context: C): string;
  /** `kind`: message, tool_call, task, workflow, sdk_hidden_context. */
  generateItemId(kind: string, context: C): string;
  /** Throws NotFoundError when missing or not the context's. */
  loadThread(threadId: string, context: C): Promise<ThreadMetadata>;
  saveThread(thread: ThreadMetadata, context: C): Promise<void>;
  loadThreads(limit: number, after: string | undefined, order: Order, context: C): Promise<Page<ThreadMetadata>>;
  deleteThread(threadId: string, context: C): Promise<void>;
  loadThreadItems(
    threadId: string,
    after: string | undefined,
    limit: number,
    order: Order,
    context: C,
  ): Promise<Page<ThreadItem>>;
  addThreadItem(threadId: string, item: ThreadItem, context: C): Promise<void>;
  /** Insert or replace by id. */
  saveItem(threadId: string, item: ThreadItem, context: C): Promise<void>;
  loadItem(threadId: string, itemId: string, context: C): Promise<ThreadItem>;
  deleteThreadItem(threadId: string, itemId: string, context: C): Promise<void>;
}
