/** Recording confusion and judging whether the class is in a confusion spike. */
import type { TrackConfusionResult } from '@class-assist/contracts';
import { type CourseTx, inCourse } from '../db/course-scope.js';
import { validationError } from '../errors.js';
import { type Actor, assertActingAs } from './actor.js';
import { countClass, insertConfusion } from './confusion.repository.js';
import { announceCourseChange, currentSlideId, ensureSlide, touchMember } from './course.repository.js';
import type { DomainDeps } from './deps.js';
import { judgeSpike, type SpikeVerdict } from './spike.js';

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
 * With metrics, a ping that brings the class into a spike is counted, and its change notification carries the wall
 * time of that judgement (`spike_at`), so the live stream can measure how long the instructor waited.
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
  const { result, spikeStarted } = await inCourse(deps.db, input.course_id, async (tx) => {
    await touchMember(tx, input.course_id, input.user_id, now);
    const slideId = input.slide_id ?? (await currentSlideId(tx, input.course_id));
    if (slideId) await ensureSlide(tx, input.course_id, slideId);
    const eventId = await insertConfusion(tx, {
      courseId: input.course_id,
      userId: input.user_id,
      slideId,
      occurredAt,
      dedupeSeconds: deps.classroom.dedupeSeconds,
    });
    const spike = await judgeCourse(deps, tx, input.course_id, now);
    // A new spike (not one already going on), told apart in process so the hot path runs no extra query.
    const started = eventId !== null && (deps.metrics?.spikeVerdict(input.course_id, spike.active) ?? false);
    // Wall time, not deps.clock(): it is compared with the wall time at which a live stream is told.
    if (eventId !== null) {
      await announceCourseChange(tx, input.course_id, 'confusion', started ? { spikeAt: Date.now() } : {});
    }
    const answer: TrackConfusionResult = {
      success: true,
      threshold_exceeded: spike.active,
      current_percentage: spike.percentage,
      confused_students: spike.confusedStudents,
      active_students: spike.activeStudents,
      duplicate: eventId === null,
    };
    return { result: answer, spikeStarted: started };
  });
  if (spikeStarted) deps.metrics?.spikesDetected.inc();
  return result;
}

/** The course's spike verdict at `now`: confused students in the spike window against active students. */
export async function judgeCourse(deps: DomainDeps, tx: CourseTx, courseId: string, now: Date): Promise<SpikeVerdict> {
  const { spike, activeWindowSeconds } = deps.classroom;
  const counts = await countClass(tx, courseId, {
    confusedSince: new Date(now.getTime() - spike.windowSeconds * 1000),
    activeSince: new Date(now.getTime() - activeWindowSeconds * 1000),
    now,
  });
  return judgeSpike(counts.confused, counts.active, spike);
}
