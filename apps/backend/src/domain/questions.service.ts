/** Students' questions. An anonymous question is stored with no link to its author and does not mark them active. */
import type { SubmitQuestionResult } from '@class-assist/contracts';
import { inCourse } from '../db/course-scope.js';
import { type Actor, assertActingAs } from './actor.js';
import { announceCourseChange, currentSlideId, ensureCourse, touchMember } from './course.repository.js';
import type { DomainDeps } from './deps.js';

export interface SubmitQuestionInput {
  user_id: string;
  course_id: string;
  question_body: string;
  anonymous?: boolean;
}

export async function submitQuestion(
  deps: DomainDeps,
  actor: Actor,
  input: SubmitQuestionInput,
): Promise<SubmitQuestionResult> {
  assertActingAs(actor, input.course_id, input.user_id);
  const anonymous = input.anonymous === true;
  return inCourse(deps.db, input.course_id, async (tx) => {
    // Marking an anonymous author active would leave their activity time beside the question's: a link to them.
    if (anonymous) await ensureCourse(tx, input.course_id);
    else await touchMember(tx, input.course_id, input.user_id, deps.clock());
    const { id } = await tx
      .insertInto('questions')
      .values({
        course_id: input.course_id,
        user_id: anonymous ? null : input.user_id,
        anonymous,
        slide_id: await currentSlideId(tx, input.course_id),
        body: input.question_body.trim(),
        created_at: deps.clock(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await announceCourseChange(tx, input.course_id, 'question');
    return { success: true, message: 'Question submitted successfully', question_id: id };
  });
}
