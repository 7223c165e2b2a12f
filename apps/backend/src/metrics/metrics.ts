/**
 * Class Assist's Prometheus metrics: one registry per app instance (tests build many apps in one process, so the
 * global default registry is never used), with typed instruments that the registry of functions, the widget
 * actions, the spike path, the outbox and the live streams record into. docs/monitoring/ holds the alert rules and
 * the dashboard built on these names.
 */
import type pg from 'pg';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { pingDatabase } from '../db/pool.js';

export const METRIC_PREFIX = 'class_assist_';

/** How an outbox job attempt ended: done, failed for good, or thrown back to pg-boss to retry later. */
export type OutboxOutcome = 'completed' | 'failed' | 'retry';

export interface Metrics {
  registry: Registry;
  /** Calls of the nine functions by name and outcome (`ok`, an AppError code, or `internal`). */
  functionCalls: Counter<'function' | 'outcome'>;
  functionDuration: Histogram<'function'>;
  /** Widget actions by type: the most used features. */
  widgetActions: Counter<'type'>;
  /** Pings that brought a course into a confusion spike. */
  spikesDetected: Counter;
  /**
   * Records a course's spike verdict after a counted ping; true when it starts a spike this instance had not seen
   * (courses in a spike are remembered in process: with several instances, one spike may count once per instance).
   */
  spikeVerdict(courseId: string, active: boolean): boolean;
  /** From the spike being judged in the triggering ping's transaction to an instructor's stream being told. */
  spikeNotifySeconds: Histogram;
  /** Confusion pings per batch written (domain/ping-batcher.ts): its count is the number of ping transactions. */
  pingBatchSize: Histogram;
  outboxDeliveries: Counter<'kind' | 'outcome'>;
  /** Open `GET /api/live` streams on this instance. */
  sseConnections: Gauge;
}

/**
 * Creates the registry and its instruments. With a pool, the pool's connections and whether the database answers
 * are read on each scrape; the default process metrics are collected with the `class_assist_` prefix.
 */
export function createMetrics(pool?: pg.Pool): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const registers = [registry];
  const inSpike = new Set<string>();
  const metrics: Metrics = {
    spikeVerdict(courseId, active) {
      if (!active) {
        inSpike.delete(courseId);
        return false;
      }
      if (inSpike.has(courseId)) return false;
      inSpike.add(courseId);
      return true;
    },
    registry,
    functionCalls: new Counter({
      name: `${METRIC_PREFIX}function_calls_total`,
      help: 'Calls of the Class Assist functions, by function and outcome (ok, an error code, or internal).',
      labelNames: ['function', 'outcome'],
      registers,
    }),
    functionDuration: new Histogram({
      name: `${METRIC_PREFIX}function_duration_seconds`,
      help: 'Duration of Class Assist function calls, validation included.',
      labelNames: ['function'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    widgetActions: new Counter({
      name: `${METRIC_PREFIX}widget_actions_total`,
      help: 'Widget actions run, by action type (the most used features).',
      labelNames: ['type'],
      registers,
    }),
    spikesDetected: new Counter({
      name: `${METRIC_PREFIX}spikes_detected_total`,
      help: 'Confusion pings that brought their course into a spike.',
      registers,
    }),
    spikeNotifySeconds: new Histogram({
      name: `${METRIC_PREFIX}spike_notify_seconds`,
      help: "Seconds from a spike's triggering ping (judged in its transaction) to an instructor's live stream being told.",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers,
    }),
    pingBatchSize: new Histogram({
      name: `${METRIC_PREFIX}ping_batch_size`,
      help: 'Confusion pings written per batch (one transaction per course and batch).',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    }),
    outboxDeliveries: new Counter({
      name: `${METRIC_PREFIX}outbox_deliveries_total`,
      help: 'Outbox job attempts by kind (intervention, score) and outcome (completed, failed, retry).',
      labelNames: ['kind', 'outcome'],
      registers,
    }),
    sseConnections: new Gauge({
      name: `${METRIC_PREFIX}sse_connections`,
      help: 'Open live streams (GET /api/live) on this instance.',
      registers,
    }),
  };
  if (pool) observeDatabase(registry, pool);
  return metrics;
}

/** Pool use and a cheap `SELECT 1`, both read when Prometheus scrapes. */
function observeDatabase(registry: Registry, pool: pg.Pool): void {
  new Gauge({
    name: `${METRIC_PREFIX}db_pool_connections`,
    help: 'Connections of the database pool: total, idle, and requests waiting for one.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}db_up`,
    help: 'Whether the database answered SELECT 1 within a second at scrape time (1) or not (0).',
    registers: [registry],
    async collect() {
      this.set((await pingDatabase(pool, 1_000)) ? 1 : 0);
    },
  });
}
