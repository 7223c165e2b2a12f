/** Recording confusion and judging whether the class is in a confusion spike. */
import type { TrackConfusionResult } from '@class-assist/contracts';
import { type Actor, assertActingAs } from '../access/actor.js';
import { inCourse } from '../db/course-scope.js';
import { AppError, validationError } from '../errors.js';
import { type ClassCounts, type CountWindows, confusionKey, insertConfusions } from './confusion.repository.js';
import { announceCourseChange, currentSlideId, touchMembers, type Visit } from './course.repository.js';
import type { DomainDeps } from './deps.js';
import { type Batcher, type BatchSettings, createBatcher } from './ping-batcher.js';
import { judgeSpike } from './spike.js';

/** How far ahead of the server clock a client's timestamp may be (clock skew). */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export interface TrackConfusionInput {
  user_id: string;
  course_id: string;
  slide_id?: string;
  timestamp?: string;
}

/**
 * Records that a student is confused, on the given slide or else the course's current slide, and answers with the
 * class's confusion right now. A repeat within the dedupe window is answered `duplicate: true` and stores nothing.
 * With `deps.pings` the ping joins its course's next batch (`recordPings`) and is answered once that batch has
 * committed, with the verdict judged after the batch's writes. With metrics, a batch that brings the class into a
 * spike is counted, and its change notification carries the wall time of that judgement (`spike_at`), so the live
 * stream can measure how long the instructor waited.
 */
export async function trackConfusion(
  deps: DomainDeps,
  actor: Actor,
  input: TrackConfusionInput,
): Promise<TrackConfusionResult> {
  assertActingAs(actor, input.course_id, input.user_id);
  const now = deps.clock();
  const given = input.timestamp ? new Date(input.timestamp) : now;
  // RFC 3339 allows a leap second (23:59:60), which the schema accepts but a JavaScript Date cannot hold.
  if (Number.isNaN(given.getTime())) {
    throw validationError(
      [{ path: 'timestamp', message: 'is not a date-time this server can represent' }],
      'arguments for track_confusion',
    );
  }
  if (given.getTime() - now.getTime() > MAX_CLOCK_SKEW_MS) {
    throw validationError([{ path: 'timestamp', message: 'is in the future' }], 'arguments for track_confusion');
  }
  // A client clock slightly ahead of ours: the ping happened now, and counts now.
  const occurredAt = new Date(Math.min(given.getTime(), now.getTime()));
  const ping: Ping = { userId: input.user_id, slideId: input.slide_id ?? null, occurredAt, now };
  if (deps.pings) return deps.pings.submit(input.course_id, ping);
  const [result] = await recordPings(deps, input.course_id, [ping]);
  return result as TrackConfusionResult;
}

/** A validated confusion ping waiting to be written. */
export interface Ping {
  userId: string;
  /** null: the slide being taught when the ping is written. */
  slideId: string | null;
  occurredAt: Date;
  /** Server time when the ping arrived: the student was active then. */
  now: Date;
}

/** Pings written in batches, one transaction per course and batch (see createPingBatcher). */
export type PingBatcher = Batcher<Ping, TrackConfusionResult>;

/**
 * The batcher of `track_confusion`: the pings of one course arriving within `settings.maxWaitMs` (up to
 * `settings.maxSize`) are written by one `recordPings`, and each answered after that transaction commits. A batch
 * that fails for any reason but an unavailable database is retried ping by ping, so a bad ping fails alone.
 */
export function createPingBatcher(deps: DomainDeps, settings: BatchSettings): PingBatcher {
  return createBatcher(settings, (courseId, pings: Ping[]) => recordPings(deps, courseId, pings), {
    retryAlone: (err) => !(err instanceof AppError && err.code === 'unavailable'),
    onBatch: (size) => deps.metrics?.pingBatchSize.observe(size),
  });
}

/**
 * Writes pings of one course in one transaction, as if they had arrived one after another in the order given: a
 * repeat of an earlier ping of the batch is a duplicate just as it would be a moment later. Every ping is answered
 * with the same verdict, judged once after the batch's writes at the latest arrival time of the batch: the class's
 * confusion right now, this ping included. One change notification for the whole batch, when anything was stored.
 */
export async function recordPings(deps: DomainDeps, courseId: string, pings: Ping[]): Promise<TrackConfusionResult[]> {
  const now = new Date(Math.max(...pings.map((p) => p.now.getTime())));
  const { stored, spike, spikeStarted } = await inCourse(deps.db, courseId, async (tx) => {
    const current = pings.some((p) => p.slideId === null) ? await currentSlideId(tx, courseId) : null;
    const placed = pings.map((p) => ({ ...p, slideId: p.slideId ?? current }));
    const slideIds = [...new Set(placed.flatMap((p) => (p.slideId ? [p.slideId] : [])))];
    await touchMembers(tx, courseId, latestVisits(pings), slideIds);
    const stored: boolean[] = [];
    const windows = spikeWindows(deps, now);
    let counts: ClassCounts = { confused: 0, active: 0 };
    for (const round of repeatRounds(placed)) {
      const written = await insertConfusions(
        tx,
        courseId,
        round.map((i) => placed[i] as Ping),
        deps.classroom.dedupeSeconds,
        windows,
      );
      for (const [k, i] of round.entries()) stored[i] = written.stored[k] as boolean;
      counts = written.counts;
    }
    // The counts of the last round: the class after all of the batch's writes.
    const spike = judgeSpike(counts.confused, counts.active, deps.classroom.spike);
    const anyStored = stored.includes(true);
    // A new spike (not one already going on), told apart in process so the hot path runs no extra query.
    const started = anyStored && (deps.metrics?.spikeVerdict(courseId, spike.active) ?? false);
    // Wall time, not deps.clock(): it is compared with the wall time at which a live stream is told.
    if (anyStored) await announceCourseChange(tx, courseId, 'confusion', started ? { spikeAt: Date.now() } : {});
    return { stored, spike, spikeStarted: started };
  });
  if (spikeStarted) deps.metrics?.spikesDetected.inc();
  return stored.map((wasStored) => ({
    success: true,
    threshold_exceeded: spike.active,
    current_percentage: spike.percentage,
    confused_students: spike.confusedStudents,
    active_students: spike.activeStudents,
    duplicate: !wasStored,
  }));
}

/** Each user of the batch once, seen at their latest arrival. */
function latestVisits(pings: Ping[]): Visit[] {
  const seen = new Map<string, Date>();
  for (const p of pings) {
    const before = seen.get(p.userId);
    if (!before || before < p.now) seen.set(p.userId, p.now);
  }
  return [...seen].map(([userId, seenAt]) => ({ userId, seenAt }));
}

/**
 * The pings' indexes in rounds without repeated student-and-slide pairs: round k holds the k-th ping of each pair,
 * so writing the rounds in turn judges a repeat against the pings before it, as sequential calls would.
 */
function repeatRounds(pings: Array<Pick<Ping, 'userId' | 'slideId'>>): number[][] {
  const rounds: number[][] = [];
  const seen = new Map<string, number>();
  for (const [i, p] of pings.entries()) {
    const key = confusionKey(p.userId, p.slideId);
    const round = seen.get(key) ?? 0;
    seen.set(key, round + 1);
    if (round === rounds.length) rounds.push([]);
    rounds[round]?.push(i);
  }
  return rounds;
}

/** The windows of the spike rule at `now`: confused in the spike window, active in the activity window. */
function spikeWindows(deps: DomainDeps, now: Date): CountWindows {
  const { spike, activeWindowSeconds } = deps.classroom;
  return {
    confusedSince: new Date(now.getTime() - spike.windowSeconds * 1000),
    activeSince: new Date(now.getTime() - activeWindowSeconds * 1000),
    now,
  };
}
