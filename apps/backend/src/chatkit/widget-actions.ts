/**
 * What each Class Assist widget action does: the specification's mapping to the nine functions, and the widget's own
 * steps (quiz, slide, export link, intervention previews) — every one called through the registry as the session's
 * member, so the course and the user come from the session, never from the payload, and every argument is checked as
 * HTTP and MCP check it. The UI-only actions change the widget's UI state alone. Returns the widget's next UI state
 * and any messages to add to the thread.
 */

import { randomUUID } from 'node:crypto';
import { type Action, CustomStreamError } from '@class-assist/chatkit-server';
import {
  type FetchNotesResult,
  type FunctionArgs,
  INSTRUCTOR_ACTIONS,
  TIME_RANGES,
  type TimeRange,
  WIDGET_ACTIONS,
  type WidgetActionType,
  type WidgetNotice,
} from '@class-assist/contracts';
import type { TokenService } from '../auth/tokens.js';
import { AppError } from '../errors.js';
import { memberActor } from '../functions/function.js';
import type { FunctionRegistry } from '../functions/registry.js';
import type { WidgetMember, WidgetUi } from '../widget/widget-state.js';
import type { ChatKitAdapterDeps } from './class-assist-chatkit.js';

export interface ActionContext {
  deps: ChatKitAdapterDeps;
  registry: FunctionRegistry;
  tokens: TokenService;
}

export interface ActionOutcome {
  ui: WidgetUi;
  /** Markdown answers to add to the thread as assistant messages. */
  messages: string[];
}

type Payload = Record<string, unknown>;

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
  const { registry } = context;
  const course = { course_id: member.courseId };
  const mine = { ...course, user_id: member.userId };

  try {
    switch (type) {
      case 'confusion.ping': {
        const slideId = text(payload.slide_id);
        const result = await registry.invoke('track_confusion', actor, {
          ...mine,
          ...(slideId ? { slide_id: slideId } : {}),
        });
        ui.notice = result.duplicate
          ? notice('info', 'Already noted a moment ago — your instructor can see it.')
          : notice('success', 'Noted. Your instructor can see this slide is confusing.');
        break;
      }
      case 'question.submit': {
        const anonymous = payload.anonymous === true || payload.anonymous === 'on' || payload.anonymous === 'true';
        // The page sends one request id per press and repeats it when it retries: the question is stored once.
        const requestId = text(payload.request_id).slice(0, 100);
        await registry.invoke(
          'submit_question',
          actor,
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
          const attempt = await registry.invoke('start_quiz_attempt', actor, { ...mine, quiz_id: assigned });
          ui.view = 'student';
          ui.quiz = { attemptId: attempt.attempt_id, questionId: null };
          break;
        }
        const quiz = await registry.invoke('generate_quiz', actor, {
          ...mine,
          focus: text(payload.focus) || 'confusion-zones',
        });
        if (quiz.questions.length === 0) {
          messages.push(quiz.message ?? 'There is nothing to quiz you on yet.');
          break;
        }
        const attempt = await registry.invoke('start_quiz_attempt', actor, { ...mine, quiz_id: quiz.quiz_id });
        ui.view = 'student';
        ui.quiz = { attemptId: attempt.attempt_id, questionId: null };
        if (quiz.message) ui.notice = notice('info', quiz.message);
        break;
      }
      case 'quiz.answer': {
        const attemptId = text(payload.attempt_id);
        const outcome = await registry.invoke('answer_quiz_question', actor, {
          ...course,
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
        const shown = ui.quiz?.attemptId === attemptId ? ui.quiz.questionId : null;
        const step = await registry.invoke('next_quiz_question', actor, {
          ...course,
          attempt_id: attemptId,
          ...(shown ? { after_question_id: shown } : {}),
        });
        ui.quiz = { attemptId, questionId: step.question_id };
        if (step.result_message) messages.push(step.result_message);
        break;
      }
      case 'quiz.close':
        ui.quiz = null;
        break;
      case 'study.explain': {
        const result = await registry.invoke('explain_topic', actor, { ...mine, topic: text(payload.topic) });
        messages.push(result.explanation);
        break;
      }
      case 'study.notes': {
        const slideId = text(payload.slide_id);
        const result = await registry.invoke('fetch_notes', actor, {
          ...mine,
          ...(slideId ? { slide_id: slideId } : {}),
        });
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
        const link = await registry.invoke('issue_export_link', actor, { ...course, format });
        messages.push(
          `[Download the confusion data (${format.toUpperCase()})](${link.url}) — every confusion event of ` +
            `${link.course_name}, one row each. The link works for ${link.minutes} minutes.`,
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
        await registry.invoke('set_current_slide', actor, { ...course, slide_id: text(payload.slide_id) });
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

/** notify_students_via_lms's arguments from a payload; the registry checks them (an unknown filter is refused). */
function notifyArgs(payload: Payload): Omit<FunctionArgs['notify_students_via_lms'], 'course_id'> {
  return {
    recipient_filter: (text(payload.recipient_filter) ||
      'confused_students') as FunctionArgs['notify_students_via_lms']['recipient_filter'],
    message: text(payload.message),
  };
}

/** assign_remedial_quiz's arguments from a payload (topics as a list or comma-separated text). */
function assignArgs(payload: Payload): Omit<FunctionArgs['assign_remedial_quiz'], 'course_id'> {
  const raw = Array.isArray(payload.topics) ? payload.topics.map(text) : text(payload.topics).split(',');
  const topics = raw.map((topic) => topic.trim()).filter(Boolean);
  return {
    quiz_type: (text(payload.quiz_type) || 'remedial') as FunctionArgs['assign_remedial_quiz']['quiz_type'],
    ...(topics.length > 0 ? { topics } : {}),
  };
}

/**
 * Notify and assign act only once confirmed: the first click shows what would happen (preview_notification,
 * preview_remedial_quiz: for a quiz, the generated quiz itself); Confirm carries a confirmation id, so a double click
 * or a retried request makes one intervention.
 */
async function intervene(
  context: ActionContext,
  member: WidgetMember,
  ui: WidgetUi,
  payload: Payload,
  kind: 'notify' | 'assign',
) {
  const actor = memberActor(member);
  const { registry } = context;
  const course = { course_id: member.courseId };
  if (payload.confirmed === true) {
    ui.pending = null;
    const options = { idempotencyKey: text(payload.confirmation_id).slice(0, 100) || undefined };
    const view =
      kind === 'notify'
        ? await registry.invoke('notify_students_via_lms', actor, { ...course, ...notifyArgs(payload) }, options)
        : await registry.invoke(
            'confirm_remedial_quiz',
            actor,
            { ...course, ...assignArgs(payload), quiz_id: text(payload.quiz_id) },
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
    const preview = await registry.invoke('preview_notification', actor, { ...course, ...args });
    ui.pending = {
      kind,
      summary: preview.summary,
      confirmAction: { type: 'intervention.notify', payload: { ...args, confirmed: true, confirmation_id } },
    };
    return;
  }
  const args = assignArgs(payload);
  const preview = await registry.invoke('preview_remedial_quiz', actor, { ...course, ...args });
  ui.pending = {
    kind,
    summary: preview.summary,
    confirmAction: {
      type: 'intervention.assign',
      payload: { ...args, quiz_id: preview.quiz_id, confirmed: true, confirmation_id },
    },
  };
}

function formatNotes(result: FetchNotesResult): string {
  if (result.notes.length === 0) return result.message ?? 'There are no notes for this yet.';
  return result.notes
    .map((note) => `### ${note.title || note.slide_id}\n\n${note.body || '_No notes yet._'}`)
    .join('\n\n');
}
