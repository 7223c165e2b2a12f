/** What domain operations receive: the database, the classroom rules and the clock. No transport types here. */
import type pg from 'pg';
import type { StudyProvider } from '../ai/provider.js';
import type { TokenService } from '../auth/tokens.js';
import type { ClassroomSettings, LmsSettings } from '../config.js';
import type { Db } from '../db/pool.js';
import type { Outbox } from '../lms/outbox.js';
import type { Metrics } from '../metrics/metrics.js';
import type { PingBatcher } from './confusion.service.js';

export interface DomainDeps {
  db: Db;
  /** The raw pool, for streaming reads through a cursor. */
  pool: pg.Pool;
  classroom: ClassroomSettings;
  /** Server time; tests pass a fixed clock. */
  clock: () => Date;
  /** Quizzes and re-explanations; the offline provider when absent. */
  study?: StudyProvider;
  /** LMS interventions: settings, the key sealing LMS tokens, the delivery outbox. */
  lms?: { settings: LmsSettings; tokenKey: Buffer; outbox: Outbox };
  /** The instance's Prometheus instruments; nothing is recorded when absent. */
  metrics?: Metrics;
  /** Signs the links a member is given (export downloads); without it no link can be issued. */
  tokens?: TokenService;
  /** Writes confusion pings in batches (app.ts); without it each ping is written in a transaction of its own. */
  pings?: PingBatcher;
}

/** `part` of `whole` as a percentage with one decimal; 0 when `whole` is 0. */
export function percentage(part: number, whole: number): number {
  if (whole <= 0) return 0;
  return Math.round((part / whole) * 1000) / 10;
}
