/**
 * The Class Assist widget: its state (the specification's `ClassAssistWidgetState`, extended with what the two views
 * need) and its actions. `apps/frontend/src/widgets/class-assist.widget` renders this state; its `jsonSchema` is the
 * JSON Schema of `ClassAssistWidgetState`.
 */
import type { Spike, TimeRange } from './index.js';

export type WidgetView = 'student' | 'instructor';

/** The slide being taught, as the widget shows it. */
export interface WidgetSlide {
  /** null when the course has no slides yet. */
  id: string | null;
  /** "Slide 3 of 12 — Linear Regression", or "No slide selected". */
  label: string;
  title: string;
  /** The slide's topic, or its title when it has none ("" without a slide): what "Explain" explains. */
  topic: string;
  /** Ids of the neighbouring slides; null at either end. */
  previousId: string | null;
  nextId: string | null;
}

/** A short message about the last action (shown once in the widget). */
export interface WidgetNotice {
  tone: 'success' | 'info' | 'warning' | 'danger';
  text: string;
}

/** A widget action as the template writes it into `onClickAction` and friends. */
export interface WidgetAction {
  type: WidgetActionType;
  payload: Record<string, unknown>;
}

/** An intervention waiting for the instructor's confirmation. */
export interface PendingIntervention {
  kind: 'notify' | 'assign';
  /** What will happen, in a sentence or two (Markdown). */
  summary: string;
  /** What the Confirm button sends: the same action with `confirmed: true`. */
  confirmAction: WidgetAction;
}

/** The course's latest LMS intervention, as the instructor view shows its progress. */
export interface WidgetIntervention {
  /** "Message to confused students", "Remedial quiz for confused students". */
  title: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  /** "Queued", "Sending…", "Done", "Failed". */
  statusLabel: string;
  /** "3 of 5 sent · 1 failed · 1 waiting". */
  progress: string;
  /** Markdown: why recipients failed, the LMS's error, what was created. "" when there is nothing to add. */
  detail: string;
}

/** A quiz being taken in the student view: one question at a time, then the score. */
export interface WidgetQuiz {
  attemptId: string;
  /** "Practice quiz on Gradient Descent, Overfitting". */
  title: string;
  /** "Question 2 of 5", or "Finished". */
  progress: string;
  /** Said when the model was unavailable and the questions were made from the notes ("" otherwise). */
  sourceNote: string;
  /** The question on show; null once the score is shown. */
  question: {
    id: string;
    prompt: string;
    /** "From slide 4 — Gradient Descent". */
    slideLabel: string;
    /** Each choice with the action that answers it ("A. …"). */
    choices: Array<{ label: string; action: WidgetAction }>;
  } | null;
  /** After answering the question on show: whether it was right, and why (Markdown). */
  feedback: { correct: boolean; text: string } | null;
  /** What moves on: the next question or the score. */
  nextAction: WidgetAction | null;
  nextLabel: string;
  /** Once every question is answered. */
  result: { score: string; summary: string } | null;
}

export interface ClassAssistWidgetState {
  // --- the specification's fields
  courseName: string;
  view: WidgetView;
  viewOptions: Array<{ value: WidgetView; label: string }>;
  askOpen: boolean;
  metrics: {
    /** Change in the student's quiz accuracy on their confusion topics, e.g. "+22%"; "—" until there is data. */
    improvement: string;
  };
  spike: Spike;
  chartData: Array<{ label: string; confused: number; slide_id: string; title: string }>;
  // --- Class Assist's additions
  /** The caller's role in the course: only instructors may switch views and see the instructor view. */
  role: WidgetView;
  /** Instructors may switch between the views; students never see the switch. */
  canSwitchView: boolean;
  slide: WidgetSlide;
  /** Instructor view: the heatmap's time range and how many students were active in it. */
  timeRange: TimeRange;
  timeRangeOptions: Array<{ value: TimeRange; label: string }>;
  activeStudents: number;
  notice: WidgetNotice | null;
  pending: PendingIntervention | null;
  /** Student view: the quiz being taken, if any. */
  quiz: WidgetQuiz | null;
  /** Instructor view: the course's latest LMS intervention and its progress, if any. */
  intervention: WidgetIntervention | null;
  /** Student view: a quiz the instructor assigned, to take here (graded back to the LMS), until it is finished. */
  assignment: { title: string; action: WidgetAction } | null;
}

/** Action types the widget sends, and what each carries in `payload` (function parameter names). */
export interface WidgetActionPayloads {
  'confusion.ping': { slide_id?: string };
  'question.submit': { question_body: string; anonymous?: boolean | string };
  /** `quiz_id`: take that quiz (an assigned one) instead of a new one. */
  'study.quiz': { focus?: string; quiz_id?: string };
  'study.explain': { topic?: string };
  'study.notes': { slide_id?: string };
  'quiz.answer': { attempt_id: string; question_id: string; choice_index: number };
  'quiz.next': { attempt_id: string };
  'quiz.close': Record<string, never>;
  'heatmap.refresh': { time_range?: TimeRange };
  'intervention.export': { format?: 'csv' | 'json' };
  'intervention.notify': { recipient_filter?: string; message?: string; confirmed?: boolean; confirmation_id?: string };
  'intervention.assign': {
    quiz_type?: string;
    topics?: string[] | string;
    confirmed?: boolean;
    confirmation_id?: string;
    /** The previewed quiz the instructor confirmed. */
    quiz_id?: string;
  };
  'intervention.cancel': Record<string, never>;
  'view.set': { view?: WidgetView };
  'ui.toggle': { field?: 'askOpen' };
  'slide.set': { slide_id?: string };
}

export type WidgetActionType = keyof WidgetActionPayloads;

export const WIDGET_ACTIONS = [
  'confusion.ping',
  'question.submit',
  'study.quiz',
  'study.explain',
  'study.notes',
  'quiz.answer',
  'quiz.next',
  'quiz.close',
  'heatmap.refresh',
  'intervention.export',
  'intervention.notify',
  'intervention.assign',
  'intervention.cancel',
  'view.set',
  'ui.toggle',
  'slide.set',
] as const satisfies readonly WidgetActionType[];

/** Actions only instructors may run. */
export const INSTRUCTOR_ACTIONS: readonly WidgetActionType[] = [
  'heatmap.refresh',
  'intervention.export',
  'intervention.notify',
  'intervention.assign',
  'intervention.cancel',
  'slide.set',
];
