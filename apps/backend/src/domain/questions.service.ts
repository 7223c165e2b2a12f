/**
 * Students' questions. An anonymous question is stored with no link to its author and does not mark them active. A
 * submission with an idempotency key is stored once: a retry of one that was stored but never acknowledged gives back
 * the same question.
 */
import { createHash } from 'node:crypto';
import type { SubmitQuestionResult } from '@class-assist/contracts';
import { type Actor, assertActingAs } from '../access/actor.js';
import { type CourseTx, inCourse } from '../db/course-scope.js';
import { AppError } from '../errors.js';
import { announceCourseChange, currentSlideId, ensureCourse, touchMember } from './course.repository.js';
import type { DomainDeps } from './deps.js';

export interface SubmitQuestionInput {
  user_id: string;
  course_id: string;
  question_body: string;
  anonymous?: boolean;
}

export interface SubmitQuestionOptions {
  /** The caller's Idempotency-Key, or the widget's request id: the same key from the same author, the same question. */
  idempotencyKey?: string;
}

/**
 * Stores a question (with its author, or anonymous with none) and announces it to the course. With an idempotency
 * key, a repeat returns the question already stored; the same key with a different question is a conflict.
 */
export async function submitQuestion(
  deps: DomainDeps,
  actor: Actor,
  input: SubmitQuestionInput,
  options: SubmitQuestionOptions = {},
): Promise<SubmitQuestionResult> {
  assertActingAs(actor, input.course_id, input.user_id);
  const anonymous = input.anonymous === true;
  const body = input.question_body.trim();
  const key = options.idempotencyKey === undefined ? null : keyDigest(input.user_id, options.idempotencyKey);
  return inCourse(deps.db, input.course_id, async (tx) => {
    // Marking an anonymous author active would leave their activity time beside the question's: a link to them.
    if (anonymous) await ensureCourse(tx, input.course_id);
    else await touchMember(tx, input.course_id, input.user_id, deps.clock());
    const inserted = await tx
      .insertInto('questions')
      .values({
        course_id: input.course_id,
        user_id: anonymous ? null : input.user_id,
        anonymous,
        slide_id: await currentSlideId(tx, input.course_id),
        body,
        created_at: deps.clock(),
        idempotency_key: key,
      })
      .onConflict((oc) =>
        oc.columns(['course_id', 'idempotency_key']).where('idempotency_key', 'is not', null).doNothing(),
      )
      .returning('id')
      .executeTakeFirst();
    const id = inserted?.id ?? (await storedWithKey(tx, input.course_id, key, body));
    if (inserted) await announceCourseChange(tx, input.course_id, 'question');
    return { success: true, message: 'Question submitted successfully', question_id: id };
  });
}

/** Author and key in one digest: keys of different students never collide, and the row names no one. */
function keyDigest(userId: string, key: string): string {
  return createHash('sha256').update(`${userId}\n${key}`).digest('hex');
}

/** The question an earlier submission with this key stored (the insert was skipped because of it). */
async function storedWithKey(tx: CourseTx, courseId: string, key: string | null, body: string): Promise<string> {
  const stored = key
    ? await tx
        .selectFrom('questions')
        .select(['id', 'body'])
        .where('course_id', '=', courseId)
        .where('idempotency_key', '=', key)
        .executeTakeFirst()
    : undefined;
  if (!stored) throw new Error('question insert skipped without an idempotency key');
  if (stored.body !== body) throw new AppError('conflict', 'This idempotency key was used for a different question');
  return stored.id;
}
