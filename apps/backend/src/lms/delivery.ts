/**
 * Works one intervention from the outbox: sends the notification or creates the remedial quiz in the course's LMS,
 * recording each step as it succeeds (recipient statuses; the quiz, its questions, the override, publication) so a
 * retried job resumes where the last one stopped and nothing is sent or created twice. A permanent LMS error (bad
 * token, no permission, invalid request) fails the intervention at once with its reason; a transient one (rate limit,
 * 5xx, network) is thrown so pg-boss retries with backoff, until the last attempt records the failure.
 */
import type { Logger } from 'pino';
import { courseOf, inCourse } from '../db/course-scope.js';
import { announceCourseChange } from '../domain/course.repository.js';
import type { DomainDeps } from '../domain/deps.js';
import {
  findIntervention,
  type InterventionRow,
  listRecipients,
  type RecipientRow,
  updateIntervention,
  updateRecipients,
} from '../domain/intervention.repository.js';
import { type LmsConnection, resolveLmsConnection } from '../domain/lms-connection.service.js';
import type { QuizQuestion } from '../domain/study.service.js';
import { escapeHtml } from '../http/html.js';
import type { CourseAgsResolver } from '../lti/course-ags.js';
import type { OutboxOutcome } from '../metrics/metrics.js';
import { type CanvasQuizType, createCanvasClient } from './canvas-client.js';
import { LmsError } from './lms-error.js';
import type { RetryOptions } from './lms-http.js';
import { createMoodleClient } from './moodle-client.js';
import type { DeliveryAttempt } from './outbox.js';
import { createScoreDelivery, platformRefused } from './score-delivery.js';

export interface DeliveryDeps {
  deps: DomainDeps;
  log: Logger;
  courseAgs?: CourseAgsResolver;
  /** Retry timing of LMS requests within one attempt (tests shorten it). */
  http?: Partial<RetryOptions>;
  publicUrl: string;
}

/** Canvas quiz types for Class Assist's quiz types: remedial and practice quizzes are ungraded practice. */
const CANVAS_QUIZ_TYPES: Record<string, CanvasQuizType> = {
  remedial: 'practice_quiz',
  practice: 'practice_quiz',
  assessment: 'assignment',
};

type Lms = Record<string, unknown>;

export function createDelivery(d: DeliveryDeps) {
  const { deps, log } = d;

  const clientOptions = (connection: LmsConnection) => ({
    baseUrl: connection.baseUrl,
    token: connection.token,
    log,
    http: d.http,
    publicUrl: d.publicUrl,
  });

  const postScore = createScoreDelivery(d);

  /** Runs one outbox job and counts how it ended; see the module comment for how failures end. */
  return async function deliver({ job, lastAttempt }: DeliveryAttempt): Promise<void> {
    const count = (outcome: OutboxOutcome) => deps.metrics?.outboxDeliveries.inc({ kind: job.kind, outcome });
    try {
      const outcome =
        job.kind === 'score' ? await postScore(job.id, lastAttempt) : await deliverIntervention(job.id, lastAttempt);
      if (outcome) count(outcome);
    } catch (err) {
      // Thrown back to pg-boss: retried later, unless this was its last attempt.
      count(lastAttempt ? 'failed' : 'retry');
      throw err;
    }
  };

  /** Works the intervention; answers how it ended, or undefined when it had ended already (or is gone). */
  async function deliverIntervention(interventionId: string, lastAttempt: boolean): Promise<OutboxOutcome | undefined> {
    const courseId = await courseOf(deps.db, 'intervention', interventionId);
    if (!courseId) return; // deleted with its course
    const state = await load(courseId, interventionId);
    if (!state || state.row.status === 'completed' || state.row.status === 'failed') return;
    await save(courseId, interventionId, { status: 'running' });
    const lms: Lms = { ...state.row.lms };
    try {
      const resolved = await resolveLmsConnection(deps, courseId);
      if (!resolved) throw new LmsError('invalid', 'The course no longer has an LMS connection');
      const connection = resolved.connection;
      if (state.row.kind === 'notify') await notify(courseId, state.row, state.recipients, connection);
      else await assign(courseId, state.row, state.recipients, connection, lms);
      return await finish(courseId, interventionId, null);
    } catch (err) {
      const error =
        err instanceof LmsError
          ? err
          : new LmsError('protocol', err instanceof Error ? err.message : String(err), {
              permanent: platformRefused(err),
            });
      const permanent = error.permanent || lastAttempt;
      log.warn(
        { intervention_id: interventionId, course_id: courseId, kind: error.kind, permanent, err: error.message },
        'lms delivery failed',
      );
      if (!permanent) {
        await save(courseId, interventionId, { status: 'running', error: error.message });
        throw error;
      }
      return await finish(courseId, interventionId, error.message);
    }
  }

  async function load(courseId: string, id: string) {
    return inCourse(deps.db, courseId, async (tx) => {
      const row = await findIntervention(tx, courseId, { id });
      return row ? { row, recipients: await listRecipients(tx, id) } : undefined;
    });
  }

  async function save(courseId: string, id: string, changes: { status?: 'running'; error?: string; lms?: Lms }) {
    await inCourse(deps.db, courseId, async (tx) => {
      await updateIntervention(tx, id, { ...changes, updated_at: deps.clock() });
      await announceCourseChange(tx, courseId, 'intervention');
    });
  }

  async function mark(courseId: string, id: string, userIds: string[], status: 'sent' | 'failed', extra = {}) {
    await inCourse(deps.db, courseId, async (tx) => {
      await updateRecipients(tx, id, userIds, { status, updated_at: deps.clock(), ...extra });
      await announceCourseChange(tx, courseId, 'intervention');
    });
  }

  /** Ends the intervention: recipients still queued fail with `error`; failed when nobody was reached. */
  async function finish(courseId: string, id: string, error: string | null): Promise<OutboxOutcome> {
    return inCourse(deps.db, courseId, async (tx) => {
      const recipients = await listRecipients(tx, id);
      const open = recipients.filter((r) => r.status === 'queued').map((r) => r.user_id);
      const now = deps.clock();
      if (open.length > 0) {
        await updateRecipients(tx, id, open, { status: 'failed', reason: error ?? 'Not delivered', updated_at: now });
      }
      const reached = recipients.some((r) => r.status === 'sent');
      const status = error && !reached ? 'failed' : 'completed';
      await updateIntervention(tx, id, { status, error, finished_at: now, updated_at: now });
      await announceCourseChange(tx, courseId, 'intervention');
      return status;
    });
  }

  async function notify(courseId: string, row: InterventionRow, recipients: RecipientRow[], lms: LmsConnection) {
    const open = recipients.filter((r) => r.status === 'queued' && r.lms_user_id);
    const message = String(row.request.message ?? '');
    const subject = 'A message from your instructor (Class Assist)';
    if (lms.kind === 'canvas') {
      const canvas = createCanvasClient(clientOptions(lms));
      // One request per batch of up to 100: a batch is marked sent only once Canvas accepted it.
      for (let i = 0; i < open.length; i += 100) {
        const batch = open.slice(i, i + 100);
        const sent = await canvas.sendMessage({
          courseId: lms.lmsCourseId as string,
          recipientIds: batch.map((r) => r.lms_user_id as string),
          subject,
          body: message,
        });
        await mark(
          courseId,
          row.id,
          batch.map((r) => r.user_id),
          'sent',
          {
            lms_ref: sent.conversationIds.join(',').slice(0, 1000) || null,
          },
        );
      }
    } else if (lms.kind === 'moodle') {
      const moodle = createMoodleClient(clientOptions(lms));
      const results = await moodle.sendMessages(
        open.map((r) => ({
          toUserId: r.lms_user_id as string,
          text: escapeHtml(message).replace(/\n/g, '<br>'),
          clientMsgId: `${row.id}:${r.user_id}`.slice(0, 100),
        })),
      );
      for (const [i, result] of results.entries()) {
        const recipient = open[i];
        if (!recipient) continue;
        if (result.ok) await mark(courseId, row.id, [recipient.user_id], 'sent', { lms_ref: result.msgId });
        else await mark(courseId, row.id, [recipient.user_id], 'failed', { reason: `Moodle: ${result.reason}` });
      }
    } else {
      throw new LmsError('invalid', 'LTI grade services cannot send messages: connect Canvas or Moodle');
    }
  }

  async function assign(
    courseId: string,
    row: InterventionRow,
    recipients: RecipientRow[],
    connection: LmsConnection,
    lms: Lms,
  ) {
    const quiz = await inCourse(deps.db, courseId, (tx) =>
      tx
        .selectFrom('quizzes')
        .select(['id', 'topics', 'questions'])
        .where('id', '=', String(row.request.quiz_id))
        .executeTakeFirst(),
    );
    if (!quiz) throw new LmsError('invalid', 'The quiz to assign no longer exists');
    const questions = quiz.questions as QuizQuestion[];
    const open = recipients.filter((r) => r.status === 'queued' && r.lms_user_id);
    const title = `Remedial quiz: ${quiz.topics.join(', ') || 'this week’s confusing slides'}`.slice(0, 255);
    const step = async (changes: Lms) => {
      Object.assign(lms, changes);
      await save(courseId, row.id, { status: 'running', lms });
    };

    if (connection.kind === 'canvas') {
      const canvas = createCanvasClient(clientOptions(connection));
      const canvasCourse = connection.lmsCourseId as string;
      if (!lms.quiz_id) {
        const created = await canvas.createQuiz({
          courseId: canvasCourse,
          title,
          description: `Made by Class Assist from the course notes, for the students confused on ${quiz.topics.join(', ') || 'these slides'}.`,
          quizType: CANVAS_QUIZ_TYPES[String(row.request.quiz_type)] ?? 'practice_quiz',
        });
        await step({ quiz_id: created.id, assignment_id: created.assignmentId, html_url: created.htmlUrl ?? null });
      }
      for (let i = Number(lms.questions_added ?? 0); i < questions.length; i++) {
        const q = questions[i] as QuizQuestion;
        await canvas.addQuestion(canvasCourse, String(lms.quiz_id), {
          name: `Question ${i + 1}`,
          text: `<p>${escapeHtml(q.prompt)}</p>`,
          pointsPossible: 1,
          answers: q.choices.map((choice, c) => ({ text: choice, correct: c === q.answer_index })),
        });
        await step({ questions_added: i + 1 });
      }
      if (!lms.restricted && open.length > 0) {
        const override = await canvas.restrictToStudents(
          canvasCourse,
          { id: String(lms.quiz_id), assignmentId: (lms.assignment_id as string | null) ?? null },
          open.map((r) => r.lms_user_id as string),
          'Students confused in class',
        );
        await step({ restricted: true, override_id: override.overrideId });
      }
      if (!lms.published) {
        await canvas.publishQuiz(canvasCourse, String(lms.quiz_id));
        await step({ published: true });
      }
      await mark(
        courseId,
        row.id,
        open.map((r) => r.user_id),
        'sent',
        { lms_ref: String(lms.quiz_id) },
      );
      return;
    }

    // Moodle (no web service creates quizzes) and LTI-only courses: the quiz is taken in Class Assist and graded
    // back through an AGS line item of the course.
    const ags = await d.courseAgs?.(courseId);
    if (!ags) {
      throw new LmsError(
        'invalid',
        `${connection.kind === 'moodle' ? 'Moodle has no web service that creates quizzes, and this' : 'This'} ` +
          'course has no LTI grade service: launch Class Assist from the course with Assignment and Grade Services ' +
          `enabled, or import the quiz's GIFT / Moodle XML export (/api/quizzes/${quiz.id}/export?format=gift).`,
      );
    }
    if (!lms.lineitem_url) {
      const { lineItem } = await ags.client.findOrCreateLineItem(ags.lineitemsUrl, {
        label: title,
        scoreMaximum: questions.length,
        resourceId: quiz.id,
        tag: 'class-assist-quiz',
      });
      await step({ lineitem_url: lineItem.id, export_gift: `/api/quizzes/${quiz.id}/export?format=gift` });
    }
    await mark(
      courseId,
      row.id,
      open.map((r) => r.user_id),
      'sent',
      { lms_ref: String(lms.lineitem_url) },
    );
  }
}
