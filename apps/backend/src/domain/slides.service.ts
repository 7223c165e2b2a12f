/** The slide being taught: instructors move it; students' pings without a slide land on it. */

import { type Actor, assertInstructor } from '../access/actor.js';
import { inCourse } from '../db/course-scope.js';
import { AppError } from '../errors.js';
import { announceCourseChange, findSlide } from './course.repository.js';
import type { DomainDeps } from './deps.js';

export async function setCurrentSlide(
  deps: DomainDeps,
  actor: Actor,
  courseId: string,
  slideId: string,
): Promise<void> {
  assertInstructor(actor, courseId);
  await inCourse(deps.db, courseId, async (tx) => {
    if (!(await findSlide(tx, courseId, slideId)))
      throw new AppError('not_found', `There is no slide "${slideId}" in this course`);
    await tx.updateTable('courses').set({ current_slide_id: slideId }).where('id', '=', courseId).execute();
    await announceCourseChange(tx, courseId, 'slide');
  });
}
