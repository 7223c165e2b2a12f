/**
 * What each Class Assist widget action does: the specification's mapping to the nine functions (called through the
 * registry as the session's member, so the course and the user come from the session, never from the payload), plus
 * the UI-only actions. Returns the widget's next UI state and any messages to add to the thread.
 */

import { randomUUID } from 'node:crypto';
import { type Action, CustomStreamError } from '@class-assist/chatkit-server';
import {
  type FetchNotesResult,
  INSTRUCTOR_ACTIONS,
  TIME_RANGES,
  type TimeRange,
  type TrackConfusionResult,
  WIDGET_ACTIONS,
  type WidgetActionType,
  type WidgetNotice,
} from '@class-assist/contracts';
import type { TokenService } from '../auth/tokens.js';
import { memberActor } from '../domain/actor.js';
import type { DomainDeps } from '../domain/deps.js';
import { assignRemedialQuiz, notifyStudents } from '../domain/intervention.service.js';
import { answerQuizQuestion, loadQuizAttempt, startQuizAttempt } from '../domain/quiz-attempt.service.js';
import type { RecipientFilter } from '../domain/recipients.repository.js';
import { setCurrentSlide } from '../domain/slides.service.js';
import { type ExplainTopicResult, type GenerateQuizResult, makeQuiz } from '../domain/study.service.js';
import { nextOpenQuestion } from '../domain/widget-quiz.js';
import { quizResultMessage, type WidgetMember, type WidgetUi } from '../domain/widget-state.service.js';
import { AppError } from '../errors.js';
import type { CallOptions, FunctionRegistry } from '../functions/registry.js';

export interface ActionContext {
  deps: DomainDeps;
  registry: FunctionRegistry;
  tokens: TokenService;
}

export interface ActionOutcome {
  ui: WidgetUi;
  /** Markdown answers to add to the thread as assistant messages. */
  messages: string[];
}

type Payload = Record<string, unknown>;

const RECIPIENTS: Record<string, string> = {
  confused_students: 'the students confused in this lecture',
  struggling_students: 'the students who are struggling',
  all_students: 'all students',
};
const QUIZ_TYPES = ['remedial', 'practice', 'assessment'];

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
const notice = (tone: WidgetNotice['tone'], message: string): WidgetNotice => ({ tone, text: message });

export async function runWidgetAction(
  context: ActionContext,
  member: WidgetMember,
  current: WidgetUi,
  action: Action,
): Promise<ActionOutcome> {
  if (!(WIDGET_ACTIONS as readonly string[]).includes(action.type)) {
    throw new CustomStreamError(`Unknown widget action "${action.type.slice(0, 100)}"`);
  }
  const type = action.type as WidgetActionType;
  // Counted once the type is known to be one of ours, so the label's values stay the widget's action names.
  context.deps.metrics?.widgetActions.inc({ type });
  if (INSTRUCTOR_ACTIONS.includes(type) && member.role !== 'instructor') {
    throw new CustomStreamError('Only instructors of this course can do this.');
  }
  const payload: Payload = action.payload && typeof action.payload === 'object' ? (action.payload as Payload) : {};
  const ui: WidgetUi = { ...current, notice: null };
  const messages: string[] = [];
  const actor = memberActor(member);
  const call = (name: string, args: Payload, options: CallOptions = {}) =>
    context.registry
      .invoke(name, actor, { ...args, course_id: member.courseId }, options)
      .then((outcome) => (outcome.kind === 'json' ? outcome.body : {}));
  const mine = { user_id: member.userId };

  try {
    switch (type) {
      case 'confusion.ping': {
        const slideId = text(payload.slide_id);
        const result = (await call('track_confusion', {
          ...mine,
          ...(slideId ? { slide_id: slideId } : {}),
        })) as TrackConfusionResult;
        ui.notice = result.duplicate
          ? notice('info', 'Already noted a moment ago — your instructor can see it.')
          : notice('success', 'Noted. Your instructor can see this slide is confusing.');
        break;
      }
      case 'question.submit': {
        const anonymous = payload.anonymous === true || payload.anonymous === 'on' || payload.anonymous === 'true';
        // The page sends one request id per press and repeats it when it retries: the question is stored once.
        const requestId = text(payload.request_id).slice(0, 100);
        await call(
          'submit_question',
          { ...mine, question_body: text(payload.question_body), anonymous },
          requestId ? { idempotencyKey: requestId } : {},
        );
        ui.askOpen = false;
        ui.notice = notice('success', anonymous ? 'Question sent anonymously.' : 'Question sent.');
        break;
      }
      case 'study.quiz': {
        const assigned = text(payload.quiz_id);
        if (assigned) {
          const attempt = await startQuizAttempt(context.deps, actor, {
            course_id: member.courseId,
            user_id: member.userId,
            quiz_id: assigned,
          });
          ui.view = 'student';
          ui.quiz = { attemptId: attempt.attempt_id, questionId: null };
          break;
        }
        const quiz = (await call('generate_quiz', {
          ...mine,
          focus: text(payload.focus) || 'confusion-zones',
        })) as GenerateQuizResult;
        if (quiz.questions.length === 0) {
          messages.push(quiz.message ?? 'There is nothing to quiz you on yet.');
          break;
        }
        const attempt = await startQuizAttempt(context.deps, actor, {
          course_id: member.courseId,
          user_id: member.userId,
          quiz_id: quiz.quiz_id,
        });
        ui.view = 'student';
        ui.quiz = { attemptId: attempt.attempt_id, questionId: null };
        if (quiz.message) ui.notice = notice('info', quiz.message);
        break;
      }
      case 'quiz.answer': {
        const attemptId = text(payload.attempt_id);
        const outcome = await answerQuizQuestion(context.deps, actor, {
          course_id: member.courseId,
          attempt_id: attemptId,
          question_id: text(payload.question_id),
          choice_index: choiceIndex(payload.choice_index),
        });
        ui.quiz = { attemptId, questionId: text(payload.question_id) };
        if (!outcome.recorded) ui.notice = notice('info', 'You answered this one already: your first answer counts.');
        break;
      }
      case 'quiz.next': {
        const attemptId = text(payload.attempt_id);
        const attempt = await loadQuizAttempt(context.deps, actor, member.courseId, attemptId);
        const shown = ui.quiz?.attemptId === attemptId ? ui.quiz.questionId : null;
        const next = nextOpenQuestion(attempt, shown) ?? null;
        ui.quiz = { attemptId, questionId: next };
        if (next === null && attempt.finished) messages.push(await quizResultMessage(context.deps, member, attempt));
        break;
      }
      case 'quiz.close':
        ui.quiz = null;
        break;
      case 'study.explain': {
        const result = (await call('explain_topic', { ...mine, topic: text(payload.topic) })) as ExplainTopicResult;
        messages.push(result.explanation);
        break;
      }
      case 'study.notes': {
        const slideId = text(payload.slide_id);
        const result = (await call('fetch_notes', {
          ...mine,
          ...(slideId ? { slide_id: slideId } : {}),
        })) as FetchNotesResult;
        messages.push(formatNotes(result));
        break;
      }
      case 'heatmap.refresh':
        {
          // From the Refresh button or the time-range Select (ChatKit may send a Select's value as `value`).
          const range = text(payload.time_range ?? payload.value);
          if ((TIME_RANGES as readonly string[]).includes(range)) ui.timeRange = range as TimeRange;
        }
        break;
      case 'intervention.export': {
        const format = payload.format === 'json' ? 'json' : 'csv';
        const { token } = await context.tokens.issue('export', member, { format });
        messages.push(
          `[Download the confusion data (${format.toUpperCase()})](/api/exports/${token}) — every confusion event of ` +
            `${member.courseName}, one row each. The link works for 10 minutes.`,
        );
        break;
      }
      case 'intervention.notify':
        await intervene(context, member, ui, payload, 'notify');
        break;
      case 'intervention.assign':
        await intervene(context, member, ui, payload, 'assign');
        break;
      case 'intervention.cancel':
        ui.pending = null;
        ui.notice = notice('info', 'Cancelled: nothing was sent.');
        break;
      case 'view.set': {
        const view = text(payload.view ?? payload.value);
        if (view !== 'student' && view !== 'instructor')
          throw new AppError('validation_failed', 'Choose the student or the instructor view.');
        if (view === 'instructor' && member.role !== 'instructor')
          throw new CustomStreamError('Only instructors of this course can see the instructor view.');
        ui.view = view;
        break;
      }
      case 'ui.toggle':
        ui.askOpen = !ui.askOpen;
        break;
      case 'slide.set':
        await setCurrentSlide(context.deps, actor, member.courseId, text(payload.slide_id));
        break;
    }
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    if (err.code === 'forbidden' || err.code === 'not_found') throw new CustomStreamError(err.message);
    if (err.code === 'unavailable') throw new CustomStreamError(err.message, true);
    ui.notice = notice(err.code === 'not_implemented' ? 'info' : 'warning', err.message);
  }
  return { ui, messages };
}

/** A choice index from a payload: a whole number (ChatKit may send it as a string); -1 when it is not one. */
function choiceIndex(value: unknown): number {
  const n = typeof value === 'string' && /^\d{1,2}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) ? n : -1;
}

function notifyArgs(payload: Payload): Payload {
  return { recipient_filter: text(payload.recipient_filter) || 'confused_students', message: text(payload.message) };
}

function assignArgs(payload: Payload): Payload {
  const raw = Array.isArray(payload.topics) ? payload.topics.map(text) : text(payload.topics).split(',');
  const topics = raw.map((topic) => topic.trim()).filter(Boolean);
  return { quiz_type: text(payload.quiz_type) || 'remedial', ...(topics.length > 0 ? { topics } : {}) };
}

/**
 * Notify and assign act only once confirmed: the first click shows what would happen (for a quiz, the generated quiz
 * itself, so an AI-made quiz is never published unseen); Confirm carries a confirmation id, so a double click or a
 * retried request makes one intervention.
 */
async function intervene(
  context: ActionContext,
  member: WidgetMember,
  ui: WidgetUi,
  payload: Payload,
  kind: 'notify' | 'assign',
) {
  const actor = memberActor(member);
  if (payload.confirmed === true) {
    ui.pending = null;
    const options = { idempotencyKey: text(payload.confirmation_id).slice(0, 100) || undefined };
    const view =
      kind === 'notify'
        ? await notifyStudents(
            context.deps,
            actor,
            {
              course_id: member.courseId,
              ...(notifyArgs(payload) as { recipient_filter: RecipientFilter; message: string }),
            },
            options,
          )
        : await assignRemedialQuiz(
            context.deps,
            actor,
            {
              course_id: member.courseId,
              ...(assignArgs(payload) as { quiz_type: 'remedial'; topics?: string[] }),
              ...(text(payload.quiz_id) ? { quiz_id: text(payload.quiz_id) } : {}),
            },
            options,
          );
    const reach = view.recipients.filter((r) => r.status !== 'failed').length;
    // "Note", not "Done": nothing has reached the LMS yet; the progress box says when it has.
    ui.notice = notice(
      'info',
      view.message ??
        `${kind === 'notify' ? 'Message' : 'Quiz'} queued for ${reach} student${reach === 1 ? '' : 's'}: progress below.`,
    );
    return;
  }
  const confirmation_id = randomUUID();
  if (kind === 'notify') {
    const args = notifyArgs(payload);
    if (!args.message) throw new AppError('validation_failed', 'Write the message to send first.');
    if (!RECIPIENTS[String(args.recipient_filter)])
      throw new AppError('validation_failed', 'Choose who should receive it.');
    ui.pending = {
      kind,
      summary: `Send this message to ${RECIPIENTS[String(args.recipient_filter)]} through the LMS?\n\n> ${String(args.message).replace(/\n/g, '\n> ')}`,
      confirmAction: { type: 'intervention.notify', payload: { ...args, confirmed: true, confirmation_id } },
    };
    return;
  }
  const args = assignArgs(payload);
  if (!QUIZ_TYPES.includes(String(args.quiz_type)))
    throw new AppError('validation_failed', 'Choose a remedial, practice or assessment quiz.');
  const topics = Array.isArray(args.topics) ? (args.topics as string[]) : [];
  const quiz = await makeQuiz(context.deps, {
    course_id: member.courseId,
    user_id: null,
    focus: topics.length > 0 ? topics.join(', ') : 'confusion-zones',
  });
  if (quiz.questions.length === 0) {
    throw new AppError('validation_failed', quiz.message ?? 'The course notes have nothing to quiz on yet.');
  }
  const on = quiz.topics.length > 0 ? quiz.topics.join(', ') : "the class's top confusion topics";
  ui.pending = {
    kind,
    summary: [
      `Assign this ${args.quiz_type} quiz on **${on}** to the students confused in this lecture?`,
      '',
      ...quiz.questions.flatMap((q, i) => [
        `${i + 1}. ${q.prompt}`,
        ...q.choices.map((c, k) => `   - ${k === q.answer_index ? '✓' : '○'} ${c}`),
      ]),
      ...(quiz.message ? ['', `_${quiz.message}_`] : []),
    ].join('\n'),
    confirmAction: {
      type: 'intervention.assign',
      payload: { ...args, quiz_id: quiz.quiz_id, confirmed: true, confirmation_id },
    },
  };
}

function formatNotes(result: FetchNotesResult): string {
  if (result.notes.length === 0) return result.message ?? 'There are no notes for this yet.';
  return result.notes
    .map((note) => `### ${note.title || note.slide_id}\n\n${note.body || '_No notes yet._'}`)
    .join('\n\n');
}
