/**
 * Interventions: notify_students_via_lms and assign_remedial_quiz. A call checks access and the course's LMS
 * connection, resolves the recipients (students only, each with their LMS user id), stores the intervention with one
 * row per recipient and queues its delivery (lms/delivery.ts) — answering at once with `status: "queued"`. The same
 * idempotency key in a course gives back the same intervention, so a retried request or a double click never
 * sends twice.
 */

import { randomUUID } from 'node:crypto';
import { type Actor, assertInstructor } from '../access/actor.js';
import { courseOf, inCourse } from '../db/course-scope.js';
import type { InterventionStatus, RecipientStatus } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { DomainDeps } from './deps.js';
import {
  findIntervention,
  type InterventionRow,
  insertIntervention,
  insertRecipients,
  latestIntervention,
  listRecipients,
} from './intervention.repository.js';
import { type LmsKind, resolveLmsConnection } from './lms-connection.service.js';
import { findRecipients, type RecipientFilter } from './recipients.repository.js';
import { makeQuiz } from './study.service.js';
import { isUuid } from './uuid.js';

export const NO_LMS_USER =
  'No LMS user id: the student has not launched Class Assist from the LMS and no roster names them';

export interface InterventionView {
  intervention_id: string;
  kind: 'notify' | 'assign';
  status: InterventionStatus;
  lms_kind: string;
  recipients: Array<{ user_id: string; status: RecipientStatus; reason?: string }>;
  /** What was created in the LMS (quiz, assignment, line item, conversation ids). */
  lms: Record<string, unknown>;
  error?: string;
  /** notify: the message; assign: the quiz id, type and topics. */
  request: Record<string, unknown>;
  created_at: string;
  finished_at: string | null;
  /** Said when there was nobody to reach. */
  message?: string;
}

export interface InterventionOptions {
  /** A caller's Idempotency-Key, or the widget's confirmation id. */
  idempotencyKey?: string;
}

/** The quiz types of assign_remedial_quiz (the specification's enum). */
export const QUIZ_TYPES = ['remedial', 'practice', 'assessment'] as const;
export type QuizType = (typeof QUIZ_TYPES)[number];

export async function notifyStudents(
  deps: DomainDeps,
  actor: Actor,
  input: { course_id: string; recipient_filter: RecipientFilter; message: string },
  options: InterventionOptions = {},
): Promise<InterventionView> {
  assertInstructor(actor, input.course_id);
  if (!input.message.trim()) throw new AppError('validation_failed', 'Write the message to send');
  const lms = await requireLms(deps, input.course_id);
  if (lms === 'lti-ags') {
    throw new AppError(
      'conflict',
      'This course is connected through LTI grade services only, which cannot send messages: connect Canvas or ' +
        'Moodle (PUT /api/admin/courses/{courseId}/lms) to notify students.',
    );
  }
  return create(deps, actor, input.course_id, 'notify', lms, input.recipient_filter, options, async () => ({
    recipient_filter: input.recipient_filter,
    message: input.message.trim(),
  }));
}

/**
 * Assigns a remedial quiz to the course's confused students. `quiz_id`: a quiz already made (the widget's preview,
 * which the instructor saw); else one is made now on `topics` or, without topics, on the course's most confused
 * slides.
 */
export async function assignRemedialQuiz(
  deps: DomainDeps,
  actor: Actor,
  input: { course_id: string; quiz_type: (typeof QUIZ_TYPES)[number]; topics?: string[]; quiz_id?: string },
  options: InterventionOptions = {},
): Promise<InterventionView> {
  assertInstructor(actor, input.course_id);
  if (!QUIZ_TYPES.includes(input.quiz_type)) throw new AppError('validation_failed', 'Unknown quiz_type');
  const lms = await requireLms(deps, input.course_id);
  return create(deps, actor, input.course_id, 'assign', lms, 'confused_students', options, async () => {
    const topics = (input.topics ?? []).map((t) => t.trim()).filter(Boolean);
    let quizId = input.quiz_id;
    if (quizId) {
      await assertQuizExists(deps, input.course_id, quizId);
    } else {
      const quiz = await makeQuiz(deps, actor, {
        course_id: input.course_id,
        user_id: null,
        focus: topics.length > 0 ? topics.join(', ') : 'confusion-zones',
      });
      if (quiz.questions.length === 0) {
        throw new AppError('validation_failed', quiz.message ?? 'There is nothing in the course notes to quiz on');
      }
      quizId = quiz.quiz_id;
    }
    return { quiz_id: quizId, quiz_type: input.quiz_type, topics };
  });
}

/** The intervention with its recipients; another course's is "not found". */
export async function getIntervention(deps: DomainDeps, actor: Actor, id: string): Promise<InterventionView> {
  if (!isUuid(id)) {
    throw new AppError('not_found', 'That intervention was not found');
  }
  const courseId = await courseOf(deps.db, 'intervention', id);
  if (!courseId) throw new AppError('not_found', 'That intervention was not found');
  assertInstructor(actor, courseId);
  return inCourse(deps.db, courseId, async (tx) => {
    const row = await findIntervention(tx, courseId, { id });
    if (!row) throw new AppError('not_found', 'That intervention was not found');
    return present(row, await listRecipients(tx, id));
  });
}

/** The course's latest intervention, for the instructor view. */
export async function latestCourseIntervention(
  deps: DomainDeps,
  actor: Actor,
  courseId: string,
): Promise<InterventionView | undefined> {
  assertInstructor(actor, courseId);
  return inCourse(deps.db, courseId, async (tx) => {
    const row = await latestIntervention(tx, courseId);
    return row ? present(row, await listRecipients(tx, row.id)) : undefined;
  });
}

async function requireLms(deps: DomainDeps, courseId: string): Promise<LmsKind> {
  const resolved = await resolveLmsConnection(deps, courseId);
  if (!resolved) {
    throw new AppError(
      'conflict',
      'This course has no LMS connection: set one with PUT /api/admin/courses/{courseId}/lms, or configure ' +
        'CANVAS_BASE_URL and CANVAS_TOKEN (or MOODLE_URL and MOODLE_TOKEN) and launch the course through LTI.',
    );
  }
  if (resolved.connection.kind !== 'lti-ags' && !resolved.connection.lmsCourseId) {
    throw new AppError(
      'conflict',
      `The ${resolved.connection.kind} course id of this course is unknown: launch it once through LTI, or set ` +
        'lms_course_id with PUT /api/admin/courses/{courseId}/lms.',
    );
  }
  return resolved.connection.kind;
}

async function create(
  deps: DomainDeps,
  actor: Actor,
  courseId: string,
  kind: 'notify' | 'assign',
  lmsKind: LmsKind,
  filter: RecipientFilter,
  options: InterventionOptions,
  request: () => Promise<Record<string, unknown>>,
): Promise<InterventionView> {
  const lms = deps.lms;
  if (!lms) throw new Error('DomainDeps.lms is required for LMS interventions');
  const key = options.idempotencyKey;
  if (key) {
    const existing = await replay(deps, courseId, key, kind);
    if (existing) return existing;
  }
  const id = randomUUID();
  const body = await request();
  const now = deps.clock();
  const inserted = await inCourse(deps.db, courseId, async (tx) => {
    const recipients = await findRecipients(
      tx,
      courseId,
      filter,
      lms.settings,
      now,
      lmsKind === 'lti-ags' ? 'lti' : 'lms',
    );
    const done = recipients.length === 0;
    const stored = await insertIntervention(tx, {
      id,
      course_id: courseId,
      kind,
      status: done ? 'completed' : 'queued',
      lms_kind: lmsKind,
      request: body,
      idempotency_key: key ?? null,
      requested_by: actor.kind === 'member' ? actor.userId : 'service',
      created_at: now,
      updated_at: now,
    });
    if (!stored) return false;
    // The assigned quiz is linked to its intervention, so its scores can go back to the LMS.
    if (typeof body.quiz_id === 'string') {
      await tx.updateTable('quizzes').set({ intervention_id: id }).where('id', '=', body.quiz_id).execute();
    }
    await insertRecipients(
      tx,
      recipients.map((r) => ({
        intervention_id: id,
        course_id: courseId,
        user_id: r.user_id,
        lms_user_id: r.lms_user_id,
        status: r.lms_user_id ? 'queued' : 'failed',
        reason: r.lms_user_id ? null : NO_LMS_USER,
        attempts: 0,
        lms_ref: null,
        updated_at: now,
      })),
    );
    return true;
  });
  if (!inserted && key) {
    // A concurrent request with the same key won the insert.
    const existing = await replay(deps, courseId, key, kind);
    if (existing) return existing;
  }
  const view = await getIntervention(deps, actor, id);
  if (view.status === 'queued') await lms.outbox.enqueue({ kind: 'intervention', id });
  if (view.recipients.length === 0) {
    view.message =
      kind === 'notify'
        ? `No students match ${filter} right now: nothing was sent.`
        : 'No students are confused right now: the quiz was not assigned to anyone.';
  }
  return view;
}

/** The intervention already made with this key (queued again if unfinished: enqueueing is idempotent). */
async function replay(
  deps: DomainDeps,
  courseId: string,
  key: string,
  kind: 'notify' | 'assign',
): Promise<InterventionView | undefined> {
  const found = await inCourse(deps.db, courseId, async (tx) => {
    const row = await findIntervention(tx, courseId, { idempotencyKey: key });
    return row ? present(row, await listRecipients(tx, row.id)) : undefined;
  });
  if (!found) return undefined;
  if (found.kind !== kind) {
    throw new AppError('conflict', 'This idempotency key was used for a different intervention');
  }
  if (found.status === 'queued' || found.status === 'running')
    await deps.lms?.outbox.enqueue({ kind: 'intervention', id: found.intervention_id });
  return found;
}

async function assertQuizExists(deps: DomainDeps, courseId: string, quizId: string) {
  const found =
    isUuid(quizId) &&
    (await inCourse(deps.db, courseId, (tx) =>
      tx
        .selectFrom('quizzes')
        .select('id')
        .where('course_id', '=', courseId)
        .where('id', '=', quizId)
        .executeTakeFirst(),
    ));
  if (!found) throw new AppError('not_found', 'That quiz was not found');
}

function present(row: InterventionRow, recipients: Awaited<ReturnType<typeof listRecipients>>): InterventionView {
  return {
    intervention_id: row.id,
    kind: row.kind,
    status: row.status,
    lms_kind: row.lms_kind,
    recipients: recipients.map((r) => ({
      user_id: r.user_id,
      status: r.status,
      ...(r.reason ? { reason: r.reason } : {}),
    })),
    lms: row.lms,
    ...(row.error ? { error: row.error } : {}),
    request: row.request,
    created_at: row.created_at.toISOString(),
    finished_at: row.finished_at ? row.finished_at.toISOString() : null,
  };
}
