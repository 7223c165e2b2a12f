/**
 * The delivery outbox: every intervention (and every quiz score going back to the LMS) is a durable pg-boss job in
 * PostgreSQL (queue `lms-delivery`, one job per intervention or attempt, keyed so it is never queued twice), worked
 * by every Class Assist instance, retried with exponential backoff. On start, work left unfinished (a crash between
 * commit and enqueue, a worker killed mid-job) is queued again; the stored progress makes the retry resume, not
 * repeat.
 */

import type pg from 'pg';
import { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { LmsSettings } from '../config.js';

export const DELIVERY_QUEUE = 'lms-delivery';

/** What the outbox delivers: an intervention, or the score of a finished quiz attempt (AGS). */
export interface OutboxJob {
  kind: 'intervention' | 'score';
  id: string;
}

/** A job and whether this is the last attempt pg-boss will make (the worker then records the failure for good). */
export interface DeliveryAttempt {
  job: OutboxJob;
  lastAttempt: boolean;
}

export interface Outbox {
  /** Queues a job whose rows are committed (starting the outbox first if needed); a job queued twice runs once. */
  enqueue(job: OutboxJob): Promise<void>;
  /** Starts pg-boss, works the queue and re-queues unfinished interventions; start.ts calls it at start. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface OutboxOptions {
  pool: pg.Pool;
  settings: LmsSettings;
  log: Logger;
  /** Delivers one intervention; throws to have pg-boss retry it later. */
  work: (attempt: DeliveryAttempt) => Promise<void>;
  /** Jobs left unfinished, to queue again at start. */
  unfinished: () => Promise<OutboxJob[]>;
}

export function createOutbox({ pool, settings, log, work, unfinished }: OutboxOptions): Outbox {
  const connectionString = (pool.options as { connectionString?: string }).connectionString;
  const boss = new PgBoss({
    connectionString,
    max: 3,
    schema: 'pgboss',
    // Our own cron-free use: no schedules to run; maintenance (expiry, archiving) stays on.
    schedule: false,
  });
  boss.on('error', (err) => log.error({ err }, 'outbox error'));
  let started: Promise<void> | undefined;
  let stopped = false;

  const queueOptions = {
    retryLimit: settings.retryLimit,
    retryDelay: settings.retryDelaySeconds,
    retryBackoff: true,
    retryDelayMax: 600,
    expireInSeconds: 900,
  };

  const send = async (job: OutboxJob) => {
    await boss.send(DELIVERY_QUEUE, { ...job }, { ...queueOptions, singletonKey: `${job.kind}:${job.id}` });
  };

  return {
    async enqueue(job) {
      await this.start();
      await send(job);
    },

    start() {
      if (stopped) return Promise.reject(new Error('The delivery outbox is stopped'));
      started ??= (async () => {
        await boss.start();
        await boss.createQueue(DELIVERY_QUEUE, queueOptions);
        await boss.work(
          DELIVERY_QUEUE,
          { pollingIntervalSeconds: 0.5, batchSize: 1, includeMetadata: true },
          async ([job]) => {
            if (!job) return;
            const data = job.data as Partial<OutboxJob>;
            if ((data.kind !== 'intervention' && data.kind !== 'score') || typeof data.id !== 'string') {
              log.error({ job: job.id }, 'outbox job of an unknown shape dropped');
              return;
            }
            await work({ job: { kind: data.kind, id: data.id }, lastAttempt: job.retryCount >= job.retryLimit });
          },
        );
        for (const job of await unfinished()) await send(job);
        log.info({ queue: DELIVERY_QUEUE }, 'delivery outbox started');
      })();
      // A failed start (database down) may be tried again.
      started.catch(() => {
        started = undefined;
      });
      return started;
    },

    async stop() {
      if (stopped || !started) return;
      stopped = true;
      await started.catch(() => undefined);
      // Lets a running delivery finish its current step (bounded), then closes pg-boss's connections.
      await boss.stop({ graceful: true, timeout: 10_000, close: true });
    },
  };
}
