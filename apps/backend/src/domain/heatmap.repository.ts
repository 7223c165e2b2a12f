/**
 * The heatmap's counts in one statement: where the range starts (in the course's time zone), the distinct confused
 * students per slide within it, the class counts of the range and those of the spike rule.
 */
import type { TimeRange } from '@class-assist/contracts';
import { sql } from 'kysely';
import type { CourseTx } from '../db/course-scope.js';
import type { ClassCounts } from './confusion.repository.js';

export interface HeatmapCounts {
  /** Start of the range: an hour ago, local midnight today, or Monday 00:00 this week. */
  since: Date;
  /** Distinct students whose latest confusion on the slide falls in [since, now]; slides with none are absent. */
  perSlide: Map<string, number>;
  /** Students confused and active in the range (the heatmap's denominator). */
  range: ClassCounts;
  /** Students confused in the spike window and active in the activity window. */
  spike: ClassCounts;
}

export interface HeatmapWindows {
  timeRange: TimeRange;
  now: Date;
  spikeSince: Date;
  activeSince: Date;
}

/**
 * The today and this-week ranges start at a local midnight, so their per-slide counts are summed from the days kept
 * on write (confusion_slide_days, migration 0012), less any latest confusion stamped after `now` (an instance whose
 * clock runs ahead); the last hour is counted from confusion_latest's time index.
 */
export async function heatmapCounts(tx: CourseTx, courseId: string, w: HeatmapWindows): Promise<HeatmapCounts> {
  const unit = w.timeRange === 'today' ? 'day' : w.timeRange === 'this_week' ? 'week' : null;
  const { rows } = await sql<{
    since: Date;
    per_slide: Record<string, number> | null;
    range_confused: number;
    range_active: number;
    spike_confused: number;
    spike_active: number;
  }>`
    WITH course AS (
      SELECT COALESCE((SELECT timezone FROM courses WHERE id = ${courseId}), 'UTC') AS tz
    ),
    range AS (
      SELECT tz, ${
        unit
          ? sql`date_trunc(${unit}, ${w.now}::timestamptz AT TIME ZONE tz) AT TIME ZONE tz`
          : sql`${w.now}::timestamptz - interval '1 hour'`
      } AS since
      FROM course
    ),
    per_slide AS (${unit ? fromDays(courseId, w.now) : fromLatest(courseId, w.now)})
    SELECT
      (SELECT since FROM range) AS since,
      (SELECT json_object_agg(slide_key, n) FROM per_slide) AS per_slide,
      count(*) FILTER (WHERE last_confused_at >= (SELECT since FROM range) AND last_confused_at <= ${w.now})::int
        AS range_confused,
      count(*) FILTER (WHERE role = 'student' AND last_seen_at >= (SELECT since FROM range))::int AS range_active,
      count(*) FILTER (WHERE last_confused_at >= ${w.spikeSince} AND last_confused_at <= ${w.now})::int
        AS spike_confused,
      count(*) FILTER (WHERE role = 'student' AND last_seen_at >= ${w.activeSince})::int AS spike_active
    FROM enrollments WHERE course_id = ${courseId}`.execute(tx);
  const row = rows[0];
  if (!row) throw new Error('the heatmap query answered no row');
  return {
    since: row.since,
    perSlide: new Map(Object.entries(row.per_slide ?? {})),
    range: { confused: row.range_confused, active: row.range_active },
    spike: { confused: row.spike_confused, active: row.spike_active },
  };
}

/** Per slide from the kept days of the range, less latest confusions stamped after `now`. */
function fromDays(courseId: string, now: Date) {
  return sql`
    SELECT slide_key, sum(n)::int AS n FROM (
      SELECT slide_key, students AS n FROM confusion_slide_days
      WHERE course_id = ${courseId} AND day >= (SELECT (since AT TIME ZONE tz)::date FROM range)
      UNION ALL
      SELECT slide_key, -count(*) FROM confusion_latest
      WHERE course_id = ${courseId} AND last_at > ${now} AND slide_key <> '' GROUP BY slide_key
    ) AS counted
    GROUP BY slide_key HAVING sum(n) > 0`;
}

/** Per slide from confusion_latest's time index (the last hour). */
function fromLatest(courseId: string, now: Date) {
  return sql`
    SELECT slide_key, count(*)::int AS n FROM confusion_latest
    WHERE course_id = ${courseId} AND slide_key <> ''
      AND last_at >= (SELECT since FROM range) AND last_at <= ${now}
    GROUP BY slide_key`;
}
