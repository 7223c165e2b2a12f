/**
 * Retrieval over a course's material and a student's confusion. Every function runs inside the caller's
 * course-scoped transaction (inCourse).
 *
 * searchSlides: PostgreSQL full-text search over the slides' `search` column (migration 0005: title weight A, topic
 * B, notes C, `english` configuration). The query is read by websearch_to_tsquery ("quoted phrases", `or`, `-not`);
 * results are ordered by ts_rank (highest first), then slide order (material first, by position, then id).
 *
 * confusionZones: the slides and the topics a student was confused on, from their confusion events (every ping, not
 * only the deduplicated ones). Ordering, for slides and topics alike:
 *   1. the calendar day (in the course's time zone) of the latest confusion there, latest day first;
 *   2. within one day, the number of confusion events, most first;
 *   3. then the latest confusion time, latest first;
 *   4. then slide order (slides) or the topic's first slide in slide order (topics), then id / topic text.
 * Events on slides that no longer exist (removed by a material import) still count, with a null title and topic;
 * topics come only from existing slides. Events without a slide are left out.
 */
import { sql } from 'kysely';
import type { CourseTx } from '../db/course-scope.js';

export interface SlideSearchHit {
  id: string;
  title: string;
  topic: string | null;
  notes: string;
  rank: number;
}

export async function searchSlides(
  tx: CourseTx,
  courseId: string,
  query: string,
  limit = 5,
): Promise<SlideSearchHit[]> {
  if (query.trim() === '' || limit <= 0) return [];
  const { rows } = await sql<SlideSearchHit>`
    SELECT s.id, s.title, s.topic, s.notes, ts_rank(s.search, q.query) AS rank
    FROM slides s, websearch_to_tsquery('english', ${query}) AS q(query)
    WHERE s.course_id = ${courseId} AND s.search @@ q.query
    ORDER BY rank DESC, s.from_material DESC, s.position, s.id
    LIMIT ${limit}`.execute(tx);
  return rows.map((row) => ({ ...row, rank: Number(row.rank) }));
}

export interface ConfusedSlide {
  slide_id: string;
  /** null for a slide that no longer exists. */
  title: string | null;
  topic: string | null;
  confused_count: number;
  last_confused_at: Date;
}

export interface ConfusedTopic {
  topic: string;
  /** The slides of the topic the student was confused on, in slide order. */
  slide_ids: string[];
  confused_count: number;
  last_confused_at: Date;
}

export interface ConfusionZones {
  slides: ConfusedSlide[];
  topics: ConfusedTopic[];
}

export async function confusionZones(
  tx: CourseTx,
  courseId: string,
  userId: string,
  limit = 5,
): Promise<ConfusionZones> {
  if (limit <= 0) return { slides: [], topics: [] };
  const { rows: slides } = await sql<ConfusedSlide>`
    WITH course AS (SELECT COALESCE((SELECT timezone FROM courses WHERE id = ${courseId}), 'UTC') AS tz),
    per_slide AS (
      SELECT e.slide_id, count(*)::int AS confused_count, max(e.occurred_at) AS last_confused_at
      FROM confusion_events e
      WHERE e.course_id = ${courseId} AND e.user_id = ${userId} AND e.slide_id IS NOT NULL
      GROUP BY e.slide_id
    )
    SELECT p.slide_id, s.title, s.topic, p.confused_count, p.last_confused_at
    FROM per_slide p
    CROSS JOIN course
    LEFT JOIN slides s ON s.course_id = ${courseId} AND s.id = p.slide_id
    ORDER BY date_trunc('day', p.last_confused_at AT TIME ZONE course.tz) DESC, p.confused_count DESC,
             p.last_confused_at DESC, s.from_material DESC NULLS LAST, s.position NULLS LAST, p.slide_id
    LIMIT ${limit}`.execute(tx);
  const { rows: topics } = await sql<ConfusedTopic>`
    WITH course AS (SELECT COALESCE((SELECT timezone FROM courses WHERE id = ${courseId}), 'UTC') AS tz),
    events AS (
      SELECT s.topic, s.id AS slide_id, s.from_material, s.position, e.occurred_at
      FROM confusion_events e
      JOIN slides s ON s.course_id = e.course_id AND s.id = e.slide_id
      WHERE e.course_id = ${courseId} AND e.user_id = ${userId} AND s.topic IS NOT NULL AND s.topic <> ''
    ),
    per_topic AS (
      SELECT topic, count(*)::int AS confused_count, max(occurred_at) AS last_confused_at,
             array_agg(DISTINCT slide_id) AS ids,
             -- The topic's first slide in slide order: material (by position) before slides seen in pings.
             min(CASE WHEN from_material THEN 0 ELSE 1 END::bigint * 4294967296 + position) AS first_order
      FROM events GROUP BY topic
    )
    SELECT p.topic,
           ARRAY(SELECT s.id FROM slides s WHERE s.course_id = ${courseId} AND s.id = ANY(p.ids)
                 ORDER BY s.from_material DESC, s.position, s.id) AS slide_ids,
           p.confused_count, p.last_confused_at
    FROM per_topic p
    CROSS JOIN course
    ORDER BY date_trunc('day', p.last_confused_at AT TIME ZONE course.tz) DESC, p.confused_count DESC,
             p.last_confused_at DESC, p.first_order, p.topic
    LIMIT ${limit}`.execute(tx);
  return { slides, topics };
}
