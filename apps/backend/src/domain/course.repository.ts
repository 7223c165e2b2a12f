/** SQL for courses, people and slides. Every function runs inside the caller's course-scoped transaction. */
import { sql } from 'kysely';
import { type CourseTx, notifyOnCommit } from '../db/course-scope.js';

export interface CourseRow {
  id: string;
  name: string;
  timezone: string;
  current_slide_id: string | null;
}

export interface SlideRow {
  id: string;
  position: number;
  title: string;
  topic: string | null;
  notes: string;
  from_material: boolean;
}

/** Creates the course when it is new (named after its id until a launch or import names it). */
export async function ensureCourse(tx: CourseTx, courseId: string): Promise<void> {
  await tx
    .insertInto('courses')
    .values({ id: courseId, name: courseId })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * Creates course, user and student enrolment as needed and marks the user active at `now`, in one statement.
 * An existing enrolment keeps its role.
 */
export async function touchMember(tx: CourseTx, courseId: string, userId: string, now: Date): Promise<void> {
  await sql`
    WITH course AS (INSERT INTO courses (id, name) VALUES (${courseId}, ${courseId}) ON CONFLICT DO NOTHING),
         person AS (INSERT INTO users (id) VALUES (${userId}) ON CONFLICT DO NOTHING)
    INSERT INTO enrollments (course_id, user_id, role, last_seen_at)
    VALUES (${courseId}, ${userId}, 'student', ${now})
    ON CONFLICT (course_id, user_id)
    DO UPDATE SET last_seen_at = GREATEST(enrollments.last_seen_at, EXCLUDED.last_seen_at)`.execute(tx);
}

/** A member to mark active: the user and the time they were last seen. */
export interface Visit {
  userId: string;
  seenAt: Date;
}

/**
 * `touchMember` for many users of one course, in one statement that also creates the slides first seen in their
 * pings (distinct ids; after the course's existing slides, positioned in the order given). The visits must name each
 * user once; users and slides are written in id order, so concurrent writers lock them in the same order and cannot
 * deadlock each other.
 */
export async function touchMembers(
  tx: CourseTx,
  courseId: string,
  visits: Visit[],
  slideIds: string[] = [],
): Promise<void> {
  const sorted = [...visits].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  const userIds = sorted.map((v) => v.userId);
  const seenAt = sorted.map((v) => v.seenAt.toISOString());
  await sql`
    WITH course AS (INSERT INTO courses (id, name) VALUES (${courseId}, ${courseId}) ON CONFLICT DO NOTHING),
         person AS (INSERT INTO users (id) SELECT unnest(${userIds}::text[]) ON CONFLICT DO NOTHING),
         slide AS (
           INSERT INTO slides (course_id, id, position)
           SELECT ${courseId}, given.id,
             (SELECT COALESCE(MAX(position), 0) FROM slides WHERE course_id = ${courseId})
               + row_number() OVER (ORDER BY given.n)
           FROM unnest(${slideIds}::text[]) WITH ORDINALITY AS given (id, n)
           WHERE NOT EXISTS (SELECT 1 FROM slides WHERE course_id = ${courseId} AND id = given.id)
           ORDER BY given.id
           ON CONFLICT DO NOTHING)
    INSERT INTO enrollments (course_id, user_id, role, last_seen_at)
    SELECT ${courseId}, visit.user_id, 'student', visit.seen_at
    FROM unnest(${userIds}::text[], ${seenAt}::timestamptz[]) AS visit (user_id, seen_at)
    ON CONFLICT (course_id, user_id)
    DO UPDATE SET last_seen_at = GREATEST(enrollments.last_seen_at, EXCLUDED.last_seen_at)`.execute(tx);
}

export async function findCourse(tx: CourseTx, courseId: string): Promise<CourseRow | undefined> {
  return tx
    .selectFrom('courses')
    .select(['id', 'name', 'timezone', 'current_slide_id'])
    .where('id', '=', courseId)
    .executeTakeFirst();
}

/** The slide being taught: the course's current slide, else its first slide; null for a course without slides. */
export async function currentSlideId(tx: CourseTx, courseId: string): Promise<string | null> {
  const { rows } = await sql<{ id: string | null }>`
    SELECT COALESCE(
      (SELECT current_slide_id FROM courses WHERE id = ${courseId}),
      (SELECT id FROM slides WHERE course_id = ${courseId} ORDER BY from_material DESC, position, id LIMIT 1)
    ) AS id`.execute(tx);
  return rows[0]?.id ?? null;
}

const SLIDE_COLUMNS = ['id', 'position', 'title', 'topic', 'notes', 'from_material'] as const;

/** Slides in slide order: imported material first, then slides first seen in pings. */
export async function listSlides(tx: CourseTx, courseId: string): Promise<SlideRow[]> {
  return tx
    .selectFrom('slides')
    .select(SLIDE_COLUMNS)
    .where('course_id', '=', courseId)
    .orderBy('from_material', 'desc')
    .orderBy('position')
    .orderBy('id')
    .execute();
}

export async function findSlide(tx: CourseTx, courseId: string, slideId: string): Promise<SlideRow | undefined> {
  return tx
    .selectFrom('slides')
    .select(SLIDE_COLUMNS)
    .where('course_id', '=', courseId)
    .where('id', '=', slideId)
    .executeTakeFirst();
}

/** The label of a slide on the heatmap: "Slide n" for course material, else its title or id. */
export function slideLabel(slide: Pick<SlideRow, 'id' | 'position' | 'title' | 'from_material'>): string {
  if (slide.from_material) return `Slide ${slide.position}`;
  return slide.title || slide.id;
}

/**
 * Records who a session speaks for: the course (renamed when a name is given), the user and their enrolment with
 * this role, marked active at `now`.
 */
export async function enrollMember(
  tx: CourseTx,
  member: { courseId: string; courseName?: string; userId: string; role: 'student' | 'instructor' },
  now: Date,
): Promise<void> {
  await sql`
    WITH course AS (
      INSERT INTO courses (id, name) VALUES (${member.courseId}, ${member.courseName || member.courseId})
      ON CONFLICT (id) DO UPDATE SET name = CASE WHEN ${member.courseName ?? ''} <> '' THEN EXCLUDED.name ELSE courses.name END
    ),
    person AS (INSERT INTO users (id) VALUES (${member.userId}) ON CONFLICT DO NOTHING)
    INSERT INTO enrollments (course_id, user_id, role, last_seen_at)
    VALUES (${member.courseId}, ${member.userId}, ${member.role}, ${now})
    ON CONFLICT (course_id, user_id)
    DO UPDATE SET role = EXCLUDED.role, last_seen_at = GREATEST(enrollments.last_seen_at, EXCLUDED.last_seen_at)`.execute(
    tx,
  );
}

/** Tells every live view of the course that something changed, when the transaction commits. */
export async function announceCourseChange(
  tx: CourseTx,
  courseId: string,
  reason: string,
  detail: { spikeAt?: number } = {},
): Promise<void> {
  const payload = {
    course_id: courseId,
    reason,
    ...(detail.spikeAt === undefined ? {} : { spike_at: detail.spikeAt }),
  };
  await notifyOnCommit(tx, 'class_assist_course', JSON.stringify(payload));
}
