/**
 * Importing a course's lecture material (Markdown or PDF). An import replaces the course's material slides in one
 * transaction: slides are upserted by id (`slide-<n>` by position), material slides no longer present are deleted,
 * slides first seen in confusion pings (and not in the new material) are kept. Confusion events are never touched,
 * so an unchanged slide id keeps its history.
 */
import { sql } from 'kysely';
import { type Actor, assertInstructor } from '../access/actor.js';
import { inCourse } from '../db/course-scope.js';
import { AppError } from '../errors.js';
import { announceCourseChange, ensureCourse } from './course.repository.js';
import type { DomainDeps } from './deps.js';
import { type Lecture, parseLectureMarkdown } from './lecture-markdown.js';
import { parseLecturePdf } from './pdf-lecture.js';

export type MaterialFormat = 'markdown' | 'pdf';

export interface MaterialImportResult {
  course_id: string;
  /** The lecture title ('' when the file has none; the course keeps its name then). */
  title: string;
  /** How many slides the material has now. */
  slides: number;
  /** Ids of the material slides the import deleted, in their former order. */
  removed: string[];
}

const MAX_TITLE_LENGTH = 255;

function invalid(message: string, detail: string): AppError {
  return new AppError('validation_failed', message, { details: [{ path: '', message: detail }] });
}

/** Reads a lecture from an uploaded file; AppError('validation_failed') for an empty, unreadable or slide-less one. */
export async function readLecture(format: MaterialFormat, body: string | Uint8Array | undefined): Promise<Lecture> {
  const empty = body === undefined || (typeof body === 'string' ? body.trim() === '' : body.byteLength === 0);
  if (empty) throw invalid('The file is empty: send the lecture as the request body', 'empty file');
  const lecture =
    format === 'pdf'
      ? await parseLecturePdf(typeof body === 'string' ? Buffer.from(body) : body)
      : parseLectureMarkdown(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  if (lecture.slides.length === 0) {
    throw invalid(
      format === 'pdf'
        ? 'The PDF has no pages'
        : 'The Markdown has no slides: start each slide with a level-2 heading (## Slide title)',
      'no slides',
    );
  }
  return { ...lecture, title: lecture.title.trim().slice(0, MAX_TITLE_LENGTH) };
}

/**
 * Reads a lecture file and imports it (importMaterial), checking access before the file is parsed: a stranger's PDF
 * is never opened.
 */
export async function importLectureFile(
  deps: DomainDeps,
  actor: Actor,
  courseId: string,
  format: MaterialFormat,
  body: string | Uint8Array | undefined,
): Promise<MaterialImportResult> {
  assertInstructor(actor, courseId);
  return importMaterial(deps, actor, courseId, await readLecture(format, body));
}

/**
 * Replaces the material of `courseId` with `lecture` (an instructor of the course or the service; the service may
 * import into a course that does not exist yet). Names the course after the lecture title when there is one. A
 * current slide that was deleted is cleared (the course falls back to its first slide).
 */
export async function importMaterial(
  deps: DomainDeps,
  actor: Actor,
  courseId: string,
  lecture: Lecture,
): Promise<MaterialImportResult> {
  assertInstructor(actor, courseId);
  if (lecture.slides.length === 0) throw invalid('The lecture has no slides', 'no slides');
  return inCourse(deps.db, courseId, async (tx) => {
    await ensureCourse(tx, courseId);
    if (lecture.title)
      await tx.updateTable('courses').set({ name: lecture.title }).where('id', '=', courseId).execute();
    await tx
      .insertInto('slides')
      .values(
        lecture.slides.map((slide) => ({
          course_id: courseId,
          id: slide.id,
          position: slide.position,
          title: slide.title,
          topic: slide.topic,
          notes: slide.notes,
          from_material: true,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['course_id', 'id']).doUpdateSet((eb) => ({
          position: eb.ref('excluded.position'),
          title: eb.ref('excluded.title'),
          topic: eb.ref('excluded.topic'),
          notes: eb.ref('excluded.notes'),
          from_material: true,
        })),
      )
      .execute();
    const ids = lecture.slides.map((slide) => slide.id);
    const { rows: removed } = await sql<{ id: string }>`
      WITH gone AS (
        DELETE FROM slides
        WHERE course_id = ${courseId} AND from_material AND NOT (id = ANY(${ids}::text[]))
        RETURNING id, position
      )
      SELECT id FROM gone ORDER BY position, id`.execute(tx);
    const removedIds = removed.map((row) => row.id);
    if (removedIds.length > 0) {
      await tx
        .updateTable('courses')
        .set({ current_slide_id: null })
        .where('id', '=', courseId)
        .where('current_slide_id', 'in', removedIds)
        .execute();
    }
    await announceCourseChange(tx, courseId, 'material');
    return { course_id: courseId, title: lecture.title, slides: lecture.slides.length, removed: removedIds };
  });
}
