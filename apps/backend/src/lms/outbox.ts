/**
 * The delivery outbox: every intervention is a durable pg-boss job in PostgreSQL (queue `lms-delivery`, one job per
 * intervention, keyed by its id so it is never queued twice), worked by every Class Assist instance, retried with
 * exponential backoff. On start, interventions left queued or running (a crash between commit and enqueue, a worker
 * killed mid-job) are queued again; their recipients' stored status makes the retry resume, not repeat.
 */

import type pg from 'pg';
import { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { LmsSettings } from '../config.js';

export const DELIVERY_QUEUE = 'lms-delivery';

/** Whether this attempt is the last one pg-boss will make (the worker then records the failure for good). */
export interface DeliveryAttempt {
  interventionId: string;
  lastAttempt: boolean;
}

export interface Outbox {
  /** Queues delivery of an intervention whose rows are committed (starting the outbox first if needed). */
  enqueue(interventionId: string): Promise<void>;
  /** Starts pg-boss, works the queue and re-queues unfinished interventions; main.ts calls it at start. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface OutboxOptions {
  pool: pg.Pool;
  settings: LmsSettings;
  log: Logger;
  /** Delivers one intervention; throws to have pg-boss retry it later. */
  work: (attempt: DeliveryAttempt) => Promise<void>;
  /** Interventions left unfinished, to queue again at start. */
  unfinished: () => Promise<string[]>;
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

  const send = async (interventionId: string) => {
    await boss.send(
      DELIVERY_QUEUE,
      { intervention_id: interventionId },
      { ...queueOptions, singletonKey: interventionId },
    );
  };

  return {
    async enqueue(interventionId) {
      await this.start();
      await send(interventionId);
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
            await work({
              interventionId: (job.data as { intervention_id: string }).intervention_id,
              lastAttempt: job.retryCount >= job.retryLimit,
            });
          },
        );
        for (const id of await unfinished()) await send(id);
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
