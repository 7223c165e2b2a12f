/**
 * The page's one thread: opens the latest thread (or creates one, which makes the server add the Class Assist
 * widget), runs widget actions and chat messages as streams (a ping or a question is retried when it fails on the
 * way), and reloads the items when the course changes.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ChatKitClient } from './client';
import { isRetryable, NOT_RECORDED, pause, RETRIED_ACTIONS, RETRY_DELAYS_MS, withRequestId } from './retry';
import {
  applyEvent,
  emptyThread,
  fromThread,
  mergeItems,
  type ThreadState,
  withAlert,
  withoutAlert,
} from './thread-model';
import { type ActionConfig, type Page, type Thread, type ThreadItem, textInput } from './types';

export type LoadStatus = { kind: 'loading' } | { kind: 'ready' } | { kind: 'error'; message: string };

/** How one streaming request ended: done, failed in a way worth another attempt, or failed for good. */
type StreamOutcome = 'ok' | 'retryable' | 'failed';

/** Items beyond the first page of `threads.get_by_id` are fetched up to this many. */
const MAX_ITEMS = 200;

export function useThread(client: ChatKitClient) {
  const [state, setState] = useState<ThreadState>(emptyThread);
  const [status, setStatus] = useState<LoadStatus>({ kind: 'loading' });
  const [streaming, setStreaming] = useState(0);
  const threadId = state.thread?.id ?? null;
  // Bumped by every stream event: a refresh that raced a stream is dropped and redone.
  const version = useRef(0);
  const running = useRef(0);
  const refreshAgain = useRef(false);

  const apply = useCallback((event: Parameters<typeof applyEvent>[1]) => {
    version.current += 1;
    setState((current) => applyEvent(current, event));
  }, []);

  /**
   * Runs one streaming request. With `quiet`, a failure worth retrying (see isRetryable, or an `error` event with
   * `allow_retry`) is returned without an alert: the caller retries, and says so if it gives up.
   */
  const streamOnce = useCallback(
    async (type: string, params: Record<string, unknown>, quiet = false): Promise<StreamOutcome> => {
      running.current += 1;
      setStreaming((n) => n + 1);
      let outcome: StreamOutcome = 'ok';
      try {
        await client.stream(type, params, (event) => {
          if (event.type === 'error') {
            outcome = event.allow_retry ? 'retryable' : 'failed';
            if (quiet && event.allow_retry) return;
          }
          apply(event);
        });
        return outcome;
      } catch (error) {
        const retryable = isRetryable(error);
        if (!(quiet && retryable)) setState((current) => withAlert(current, 'danger', messageOf(error)));
        return retryable ? 'retryable' : 'failed';
      } finally {
        running.current -= 1;
        setStreaming((n) => n - 1);
        setState((current) => (current.progress === null ? current : { ...current, progress: null }));
      }
    },
    [client, apply],
  );

  const runStream = useCallback(
    async (type: string, params: Record<string, unknown>) => (await streamOnce(type, params)) === 'ok',
    [streamOnce],
  );

  /** A widget action safe to repeat: retried with backoff; when every attempt failed, the student is told. */
  const runRetried = useCallback(
    async (params: Record<string, unknown>): Promise<boolean> => {
      for (const delay of [...RETRY_DELAYS_MS, undefined]) {
        const outcome = await streamOnce('threads.custom_action', params, true);
        if (outcome !== 'retryable') return outcome === 'ok';
        if (delay === undefined) break;
        await pause(delay);
      }
      setState((current) => withAlert(current, 'danger', NOT_RECORDED));
      return false;
    },
    [streamOnce],
  );

  const open = useCallback(async () => {
    setStatus({ kind: 'loading' });
    setState(emptyThread);
    try {
      const latest = await client.request<Page<Thread>>('threads.list', { limit: 1, order: 'desc' });
      const existing = latest.data[0];
      if (existing) {
        const thread = await loadThread(client, existing.id);
        if (thread.items.data.some((item) => item.type === 'widget')) {
          setState(fromThread(thread));
          setStatus({ kind: 'ready' });
          return;
        }
      }
      const created = await runStream('threads.create', { input: textInput('') });
      setStatus(created ? { kind: 'ready' } : { kind: 'error', message: 'Class Assist could not start a session.' });
    } catch (error) {
      setStatus({ kind: 'error', message: messageOf(error) });
    }
  }, [client, runStream]);

  // Once per client (React's development double effects must not create two threads).
  const opened = useRef<ChatKitClient | null>(null);
  useEffect(() => {
    if (opened.current === client) return;
    opened.current = client;
    void open();
  }, [client, open]);

  /** Reloads the thread's items (after `course.changed`): the widget item is replaced with the server's. */
  const refresh = useCallback(async () => {
    if (!threadId) return;
    if (running.current > 0) {
      refreshAgain.current = true;
      return;
    }
    const seen = version.current;
    try {
      const thread = await client.request<Thread>('threads.get_by_id', { thread_id: threadId });
      if (version.current !== seen || running.current > 0) {
        refreshAgain.current = true;
        return;
      }
      setState((current) => mergeItems(current, thread.items.data));
    } catch (error) {
      console.warn('Class Assist: could not refresh the thread', error);
    }
  }, [client, threadId]);

  // A refresh asked for while a stream ran happens once it ends.
  useEffect(() => {
    if (streaming === 0 && refreshAgain.current) {
      refreshAgain.current = false;
      void refresh();
    }
  }, [streaming, refresh]);

  const sendAction = useCallback(
    async (action: ActionConfig, itemId: string | null): Promise<boolean> => {
      if (!threadId) return false;
      const params = { thread_id: threadId, ...(itemId ? { item_id: itemId } : {}), action: wireAction(action) };
      if (action.streaming === false) {
        try {
          const answer = await client.request<{ updated_item?: ThreadItem }>('threads.sync_custom_action', params);
          const updated = answer.updated_item;
          if (updated) setState((current) => mergeItems(current, [updated]));
          return true;
        } catch (error) {
          setState((current) => withAlert(current, 'danger', messageOf(error)));
          return false;
        }
      }
      if (RETRIED_ACTIONS.has(action.type)) {
        return runRetried({
          ...params,
          action: { ...params.action, payload: withRequestId(action.type, params.action.payload) },
        });
      }
      return runStream('threads.custom_action', params);
    },
    [client, threadId, runStream, runRetried],
  );

  const sendMessage = useCallback(
    (text: string) => {
      if (!threadId) return Promise.resolve(false);
      return runStream('threads.add_user_message', { thread_id: threadId, input: textInput(text) });
    },
    [threadId, runStream],
  );

  const dismissAlert = useCallback((id: number) => setState((current) => withoutAlert(current, id)), []);

  return { state, status, busy: streaming > 0, open, refresh, sendAction, sendMessage, dismissAlert };
}

/** `threads.get_by_id`, then `items.list` for items past its first page. */
async function loadThread(client: ChatKitClient, threadId: string): Promise<Thread> {
  const thread = await client.request<Thread>('threads.get_by_id', { thread_id: threadId });
  const items = [...thread.items.data];
  let page: Page<ThreadItem> = thread.items;
  while (page.has_more && page.after && items.length < MAX_ITEMS) {
    page = await client.request<Page<ThreadItem>>('items.list', {
      thread_id: threadId,
      order: 'asc',
      after: page.after,
      limit: 50,
    });
    items.push(...page.data);
  }
  return { ...thread, items: { data: items, has_more: false } };
}

/** The action as the protocol carries it: `{type, payload}` (handler and loading hints stay in the browser). */
function wireAction(action: ActionConfig): { type: string; payload: Record<string, unknown> } {
  return { type: action.type, payload: action.payload ?? {} };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
