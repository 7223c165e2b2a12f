/** Joining a course from a session (LTI launch, dev launch, ChatKit session): the member and the course's name. */

import type { Role } from '../access/actor.js';
import { inCourse } from '../db/course-scope.js';
import { enrollMember } from './course.repository.js';
import type { DomainDeps } from './deps.js';

export interface Joining {
  courseId: string;
  /** Renames the course when given. */
  courseName?: string;
  userId: string;
  role: Role;
}

/** Creates or updates the course, the user and their enrolment (marking them active); returns the course's name. */
export async function joinCourse(deps: DomainDeps, joining: Joining): Promise<string> {
  return inCourse(deps.db, joining.courseId, async (tx) => {
    await enrollMember(tx, joining, deps.clock());
    const course = await tx
      .selectFrom('courses')
      .select('name')
      .where('id', '=', joining.courseId)
      .executeTakeFirstOrThrow();
    return course.name;
  });
}
