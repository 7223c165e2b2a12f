/** Internal: a session's member joins the course (dev launch, ChatKit session); answers the course's name. */
import { joinCourse } from '../domain/membership.service.js';
import { AppError } from '../errors.js';
import { defineFunction } from './function.js';
import { ID, objectSchema } from './validation.js';

export const joinCourseFunction = defineFunction({
  name: 'join_course',
  schema: objectSchema({ course_id: ID, course_name: { type: 'string', maxLength: 500 } }, ['course_name']),
  run: async (deps, actor, args: { course_id: string; course_name?: string }) => {
    // The member joins as who the session says they are: never someone else, never another course.
    if (actor.kind !== 'member' || actor.courseId !== args.course_id) {
      throw new AppError('forbidden', 'Only a session of this course can join it');
    }
    const name = await joinCourse(deps, {
      courseId: args.course_id,
      ...(args.course_name ? { courseName: args.course_name } : {}),
      userId: actor.userId,
      role: actor.role,
    });
    return { course_name: name };
  },
});
