/** The instructor's per-slide confusion heatmap. */
import type { HeatmapPoint, HeatmapResult, TimeRange } from '@class-assist/contracts';
import { type Actor, assertInstructor } from '../access/actor.js';
import { inCourse } from '../db/course-scope.js';
import { validationError } from '../errors.js';
import { listSlides, slideLabel } from './course.repository.js';
import { type DomainDeps, percentage } from './deps.js';
import { heatmapCounts } from './heatmap.repository.js';
import { judgeSpike } from './spike.js';

export const HEATMAP_PAGE_SIZE = 100;

export interface HeatmapInput {
  course_id: string;
  time_range?: TimeRange;
  limit?: number;
  cursor?: string;
}

/**
 * Per slide, in slide order, the percentage of the students active within the time range who were confused on that
 * slide within it. A student counts as active in a range when their last activity falls in it (ranges end now), and
 * the active count is never below the distinct confused students of the range.
 */
export async function getHeatmap(deps: DomainDeps, actor: Actor, input: HeatmapInput): Promise<HeatmapResult> {
  assertInstructor(actor, input.course_id);
  const timeRange = input.time_range ?? 'today';
  const limit = input.limit ?? HEATMAP_PAGE_SIZE;
  const offset = input.cursor === undefined ? 0 : decodeCursor(input.cursor);
  const now = deps.clock();
  const { spike: spikeRule, activeWindowSeconds } = deps.classroom;
  return inCourse(deps.db, input.course_id, async (tx) => {
    const slides = await listSlides(tx, input.course_id);
    const counts = await heatmapCounts(tx, input.course_id, {
      timeRange,
      now,
      spikeSince: new Date(now.getTime() - spikeRule.windowSeconds * 1000),
      activeSince: new Date(now.getTime() - activeWindowSeconds * 1000),
    });
    const { since, perSlide } = counts;
    const spike = judgeSpike(counts.spike.confused, counts.spike.active, spikeRule);
    const known = new Set(slides.map((slide) => slide.id));
    const orphans = [...perSlide.keys()].filter((id) => !known.has(id)).sort();
    const denominator = Math.max(counts.range.active, counts.range.confused);
    const points: HeatmapPoint[] = [
      ...slides.map((slide) => ({ label: slideLabel(slide), slide_id: slide.id, title: slide.title })),
      ...orphans.map((id) => ({ label: id, slide_id: id, title: '' })),
    ].map((point) => {
      const confused = perSlide.get(point.slide_id) ?? 0;
      return { ...point, confused: percentage(confused, denominator), confused_students: confused };
    });
    const page = points.slice(offset, offset + limit);
    const nextOffset = offset + page.length;
    return {
      course_id: input.course_id,
      time_range: timeRange,
      since: since.toISOString(),
      active_students: denominator,
      chartData: page,
      spike: { active: spike.active, message: spike.message },
      next_cursor: nextOffset < points.length ? encodeCursor(nextOffset) : null,
    };
  });
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

function decodeCursor(cursor: string): number {
  try {
    const { offset } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { offset?: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through to the validation error
  }
  throw validationError(
    [{ path: 'cursor', message: 'is not a cursor returned by this function' }],
    'arguments for get_confusion_heatmap',
  );
}
