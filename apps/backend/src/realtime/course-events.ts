/**
 * Course change notifications across every Class Assist instance: writers `pg_notify('class_assist_course', …)` in
 * their transaction (delivered on commit); each instance LISTENs on one connection and tells its subscribers. Bursts
 * are coalesced per course (COALESCE_MS) so a lecture hall pressing one button causes a few refreshes, not hundreds.
 */
import type pg from 'pg';
import type { Logger } from 'pino';

export const CHANNEL = 'class_assist_course';
const COALESCE_MS = 50;

/** Told why the course changed and, for the ping that started a spike, the wall time (ms) it was judged. */
export type CourseListener = (reason: string, spikeAt?: number) => void;

export interface CourseEvents {
  /**
   * Calls `listener` after changes to the course. Resolves with the unsubscribe function once this instance is
   * listening (or, if the database cannot be reached, once the first attempt failed: a later reconnect tells every
   * listener to resync), so a change committed after it resolves is never missed.
   */
  subscribe(courseId: string, listener: CourseListener): Promise<() => void>;
  close(): Promise<void>;
}

export function createCourseEvents(pool: pg.Pool, log: Logger): CourseEvents {
  const listeners = new Map<string, Set<CourseListener>>();
  // Per course, the reasons waiting to be delivered, each with the earliest spike time among them.
  const pending = new Map<string, { reasons: Map<string, number | undefined>; timer: NodeJS.Timeout }>();
  let client: pg.PoolClient | undefined;
  let connecting: Promise<void> | undefined;
  let closed = false;
  /** Connections already given back to the pool, which must not be released again. */
  const released = new WeakSet<pg.PoolClient>();
  let retryMs = 500;
  let listenedBefore = false;

  const deliver = (courseId: string, reason: string, spikeAt?: number) => {
    const entry = pending.get(courseId);
    if (entry) {
      const earlier = entry.reasons.get(reason);
      entry.reasons.set(reason, earlier === undefined ? spikeAt : Math.min(earlier, spikeAt ?? earlier));
      return;
    }
    const reasons = new Map([[reason, spikeAt]]);
    const timer = setTimeout(() => {
      pending.delete(courseId);
      for (const listener of listeners.get(courseId) ?? []) for (const [why, at] of reasons) listener(why, at);
    }, COALESCE_MS);
    pending.set(courseId, { reasons, timer });
  };

  const onNotification = (message: pg.Notification) => {
    try {
      const { course_id, reason, spike_at } = JSON.parse(message.payload ?? '{}') as {
        course_id?: string;
        reason?: string;
        spike_at?: unknown;
      };
      const spikeAt = typeof spike_at === 'number' ? spike_at : undefined;
      if (typeof course_id === 'string' && listeners.has(course_id)) deliver(course_id, reason ?? 'change', spikeAt);
    } catch {
      log.warn({ channel: message.channel }, 'ignored a malformed course notification');
    }
  };

  const connect = async (): Promise<void> => {
    try {
      const next = await pool.connect();
      next.on('notification', onNotification);
      next.on('error', (err) => {
        // A connection can fail twice (the server's error, then the socket's end), or after close() gave it back.
        if (released.has(next)) return;
        released.add(next);
        log.warn({ err: err.message }, 'course notifications connection failed; reconnecting');
        next.release(true);
        if (client === next) client = undefined;
        scheduleReconnect();
      });
      await next.query(`LISTEN ${CHANNEL}`);
      client = next;
      retryMs = 500;
      // After a lost connection, anything may have happened while we were not listening: tell everyone to refresh.
      if (listenedBefore) for (const courseId of listeners.keys()) deliver(courseId, 'resync');
      listenedBefore = true;
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cannot listen for course notifications yet; retrying');
      scheduleReconnect();
    }
  };

  const scheduleReconnect = () => {
    if (closed) return;
    const wait = retryMs;
    retryMs = Math.min(retryMs * 2, 10_000);
    setTimeout(() => {
      connecting = closed ? undefined : connect();
    }, wait).unref();
  };

  return {
    async subscribe(courseId, listener) {
      if (!client && !connecting && !closed) connecting = connect();
      let set = listeners.get(courseId);
      if (!set) {
        set = new Set();
        listeners.set(courseId, set);
      }
      set.add(listener);
      const unsubscribe = () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(courseId);
      };
      if (!client) await connecting;
      return unsubscribe;
    },
    async close() {
      closed = true;
      for (const { timer } of pending.values()) clearTimeout(timer);
      pending.clear();
      listeners.clear();
      await connecting;
      const listening = client;
      client = undefined;
      if (listening && !released.has(listening)) {
        await listening.query(`UNLISTEN ${CHANNEL}`).catch(() => undefined);
        if (!released.has(listening)) {
          released.add(listening);
          listening.release();
        }
      }
    },
  };
}
