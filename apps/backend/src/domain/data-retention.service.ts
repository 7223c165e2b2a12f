/**
 * Data-subject and retention requests, for operators (`npm run data`, scripts/data.ts).
 *
 * - deleteUser removes a person everywhere: their enrolments, confusion (events and the per-student aggregate rows
 *   behind the heatmap, so past heatmaps no longer count them), non-anonymous questions, quiz attempts and answers,
 *   quizzes made for them alone, chat threads, and their rows as recipients of interventions (a message still queued
 *   for them is then not sent). Interventions they received stay as the course's record of what the instructor did,
 *   without them; interventions they requested stay, no longer naming them. Anonymous questions are linked to nobody
 *   and stay. What the LMS already holds (messages, grades) is the LMS's to delete; a later LTI launch or roster sync
 *   brings the person back as new, with no history.
 * - purgeCourse removes a course's activity older than a date and keeps the course and its material.
 *
 * Each course is one transaction of its own (`inCourse`), so row-level security confines each step to its course.
 * `deps.db` is the operator's connection (`npm run data` opens DATABASE_URL): finding a person's courses reads across
 * courses, which row-level security hides from the server's runtime role.
 */

import type { Actor } from '../access/actor.js';
import { inCourse } from '../db/course-scope.js';
import { AppError } from '../errors.js';
import {
  type Counts,
  courseExists,
  coursesOfUser,
  deleteUserInCourse,
  deleteUserRow,
  purgeCourse as purgeCourseRows,
} from './data-retention.repository.js';
import type { DomainDeps } from './deps.js';

export interface DeletedUser {
  user_id: string;
  /** The courses that held something of theirs, each cleared in a transaction of its own. */
  courses: string[];
  /** Rows removed per kind, over all courses; `*_unlinked`: rows kept without their id. */
  removed: Counts;
  /** Whether their user row (name, email, LMS ids) existed and is gone. */
  user_row: boolean;
}

export interface PurgedCourse {
  course_id: string;
  before: string;
  removed: Counts;
}

/** Only the operator (the service actor) may answer data requests: members of a course never can. */
function assertOperator(actor: Actor): void {
  if (actor.kind !== 'service') throw new AppError('forbidden', 'Only an operator can delete or purge data');
}

/** Removes everything of `user_id` in every course, then the person's own row. */
export async function deleteUser(deps: DomainDeps, actor: Actor, input: { user_id: string }): Promise<DeletedUser> {
  assertOperator(actor);
  const userId = input.user_id;
  if (!userId || userId.length > 255) throw new AppError('validation_failed', 'Give the user id (1–255 characters)');
  const courses = await coursesOfUser(deps.db, userId);
  const removed: Counts = {};
  for (const courseId of courses) {
    const counts = await inCourse(deps.db, courseId, (tx) => deleteUserInCourse(tx, courseId, userId));
    for (const [kind, n] of Object.entries(counts)) removed[kind] = (removed[kind] ?? 0) + n;
  }
  const userRow = (await deleteUserRow(deps.db, userId)) > 0;
  return { user_id: userId, courses, removed, user_row: userRow };
}

/** Removes the course's activity older than `before`; the course, its slides and quizzes stay. */
export async function purgeCourse(
  deps: DomainDeps,
  actor: Actor,
  input: { course_id: string; before: Date },
): Promise<PurgedCourse> {
  assertOperator(actor);
  if (Number.isNaN(input.before.getTime())) throw new AppError('validation_failed', 'The date is not valid');
  const removed = await inCourse(deps.db, input.course_id, async (tx) => {
    if (!(await courseExists(tx, input.course_id))) {
      throw new AppError('not_found', `Course ${input.course_id} was not found`);
    }
    return purgeCourseRows(tx, input.course_id, input.before);
  });
  return { course_id: input.course_id, before: input.before.toISOString(), removed };
}
