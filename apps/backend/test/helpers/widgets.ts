/**
 * What the widget tests share: where the ChatKit widget fixtures are (the shared copy, `../shared/fixtures`, is
 * preferred; `test/fixtures/chatkit-widgets` holds the same files for a clone that stands alone), their sample data,
 * Class Assist widget states, and walkers over a rendered widget tree.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClassAssistWidgetState, WidgetActionType } from '@class-assist/contracts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const SHARED_WIDGET_FIXTURES = path.resolve(ROOT, '..', 'shared', 'fixtures', 'chatkit-widgets');
export const REPO_WIDGET_FIXTURES = path.resolve(ROOT, 'apps', 'backend', 'test', 'fixtures', 'chatkit-widgets');

export function widgetFixturesDir(): string {
  return existsSync(SHARED_WIDGET_FIXTURES) ? SHARED_WIDGET_FIXTURES : REPO_WIDGET_FIXTURES;
}

/** Sample data of each fixture, from openai/chatkit-python `tests/test_widgets.py` (see docs/chatkit-protocol.md). */
export const FIXTURE_SAMPLE_DATA: Record<string, Record<string, unknown>> = {
  basic_root: { name: 'Harry Potter', bio: 'The boy who lived' },
  card_no_data: {},
  card_with_data: { channel: '#proj-chatkit', time: '4:48 PM', user: { image: '/pam.png', name: 'Pam Beesly' } },
  list_view_no_data: {},
  list_view_with_data: {
    items: [
      { id: 'blue', label: 'Blue line', color: 'blue-500' },
      { id: 'orange', label: 'Orange line', color: 'orange-500' },
      { id: 'purple', label: 'Purple line', color: 'purple-500' },
    ],
  },
};

const TITLES = [
  'What Is Machine Learning?',
  'Supervised vs Unsupervised Learning',
  'Features and Labels',
  'Training, Validation, and Test Sets',
  'Linear Regression',
  'Loss Functions and Mean Squared Error',
  'Gradient Descent and the Learning Rate',
  'Overfitting and Underfitting',
  'Regularization',
  'Classification and Logistic Regression',
  'Evaluating Classifiers',
  'The Bias-Variance Trade-off',
];

/** The current slide `n` (1-based) of the demo course, as the widget shows it. */
export function demoSlide(n: number, topic = TITLES[n - 1] ?? ''): ClassAssistWidgetState['slide'] {
  const title = TITLES[n - 1] ?? '';
  return {
    id: `slide-${n}`,
    label: `Slide ${n} of ${TITLES.length} — ${title}`,
    title,
    topic,
    previousId: n > 1 ? `slide-${n - 1}` : null,
    nextId: n < TITLES.length ? `slide-${n + 1}` : null,
  };
}

/** An instructor's state in the demo course (the literal type-checks that it has exactly the contract's fields). */
export function instructorState(overrides: Partial<ClassAssistWidgetState> = {}): ClassAssistWidgetState {
  const state: ClassAssistWidgetState = {
    courseName: 'Introduction to Machine Learning',
    view: 'instructor',
    viewOptions: [
      { value: 'student', label: 'Student view' },
      { value: 'instructor', label: 'Instructor view' },
    ],
    askOpen: false,
    metrics: { improvement: '—' },
    spike: { active: false, message: '' },
    chartData: TITLES.map((title, i) => ({
      label: `Slide ${i + 1}`,
      confused: [0, 20, 40][i % 3] ?? 0,
      slide_id: `slide-${i + 1}`,
      title,
    })),
    role: 'instructor',
    canSwitchView: true,
    slide: demoSlide(5),
    timeRange: 'today',
    timeRangeOptions: [
      { value: 'last_hour', label: 'Last hour' },
      { value: 'today', label: 'Today' },
      { value: 'this_week', label: 'This week' },
    ],
    activeStudents: 5,
    notice: null,
    pending: null,
    quiz: null,
    intervention: null,
    assignment: null,
  };
  return { ...state, ...overrides };
}

/** A student's state in the demo course. */
export function studentState(overrides: Partial<ClassAssistWidgetState> = {}): ClassAssistWidgetState {
  return instructorState({
    view: 'student',
    role: 'student',
    canSwitchView: false,
    metrics: { improvement: '+22%' },
    ...overrides,
  });
}

/** A quiz panel at one of its stages: a question on show, that question answered (right or wrong), or finished. */
export function sampleQuiz(stage: 'question' | 'right' | 'wrong' | 'finished'): ClassAssistWidgetState['quiz'] {
  const attempt = { attempt_id: '3f1c2a9e-0000-4000-8000-000000000001' };
  const finished = stage === 'finished';
  const answered = stage === 'right' || stage === 'wrong';
  return {
    attemptId: attempt.attempt_id,
    title: 'Practice quiz on Gradient descent',
    progress: finished ? 'Finished' : 'Question 2 of 5',
    sourceNote: '',
    question: finished
      ? null
      : {
          id: 'slide-7-q1',
          prompt: 'Which term names the size of each step in gradient descent?',
          slideLabel: 'From Slide 7 — Gradient Descent and the Learning Rate',
          choices: ['Learning rate', 'Loss', 'Feature', 'Label'].map((label, c) => ({
            label: `${String.fromCharCode(65 + c)}. ${label}`,
            action: { type: 'quiz.answer', payload: { ...attempt, question_id: 'slide-7-q1', choice_index: c } },
          })),
        },
    feedback: answered
      ? {
          correct: stage === 'right',
          text: stage === 'right' ? 'Slide 7 says so.' : 'The answer is **A. Learning rate**. Slide 7 says so.',
        }
      : null,
    nextAction: answered ? { type: 'quiz.next', payload: attempt } : null,
    nextLabel: 'Next question',
    result: finished ? { score: '4 of 5 correct (80%)', summary: 'Worth another look:\n- Slide 7 (1 missed)' } : null,
  };
}

/** A rendered component, loosely typed for the tests. */
export interface Node {
  type: string;
  children?: Node[] | Node | null;
  [prop: string]: unknown;
}

/** Every component of the tree, depth first, the root included. */
export function allNodes(root: Node): Node[] {
  const out: Node[] = [root];
  const children = root.children;
  const list = Array.isArray(children) ? children : children ? [children] : [];
  for (const child of list) out.push(...allNodes(child));
  return out;
}

export function nodesOfType(root: Node, type: string): Node[] {
  return allNodes(root).filter((node) => node.type === type);
}

/** The Button labelled `label`; fails when there is not exactly one. */
export function button(root: Node, label: string): Node {
  const found = nodesOfType(root, 'Button').filter((node) => node.label === label);
  if (found.length !== 1) throw new Error(`expected one Button "${label}", found ${found.length}`);
  return found[0] as Node;
}

/** A control's action: where it sits, its type and payload, and the named fields sent with it (a Form's fields). */
export interface RenderedAction {
  component: string;
  type: string;
  payload: Record<string, unknown>;
  fields: string[];
}

const ACTION_PROPS = ['onClickAction', 'onSubmitAction', 'onChangeAction'];

/** Every action the tree can send, with the form fields (or, standalone, the control's own name) that accompany it. */
export function renderedActions(root: Node, formFields: string[] = []): RenderedAction[] {
  const out: RenderedAction[] = [];
  const fields = root.type === 'Form' ? namedFields(root) : formFields;
  for (const prop of ACTION_PROPS) {
    const action = root[prop] as { type: string; payload?: Record<string, unknown> } | undefined;
    if (!action) continue;
    const own = typeof root.name === 'string' && fields.length === 0 ? [root.name] : [];
    out.push({ component: root.type, type: action.type, payload: action.payload ?? {}, fields: [...fields, ...own] });
  }
  const children = root.children;
  const list = Array.isArray(children) ? children : children ? [children] : [];
  for (const child of list) out.push(...renderedActions(child, fields));
  return out;
}

function namedFields(form: Node): string[] {
  return allNodes(form)
    .slice(1)
    .filter((node) => typeof node.name === 'string' && node.type !== 'Icon')
    .map((node) => node.name as string);
}

/** The parameter names each action may carry (`WidgetActionPayloads` in the contract), besides `confirmed`. */
export const ACTION_PAYLOAD_KEYS: Record<WidgetActionType, string[]> = {
  'confusion.ping': ['slide_id'],
  'question.submit': ['question_body', 'anonymous'],
  'study.quiz': ['focus', 'quiz_id'],
  'study.explain': ['topic'],
  'study.notes': ['slide_id'],
  'quiz.answer': ['attempt_id', 'question_id', 'choice_index'],
  'quiz.next': ['attempt_id'],
  'quiz.close': [],
  'heatmap.refresh': ['time_range'],
  'intervention.export': ['format'],
  'intervention.notify': ['recipient_filter', 'message', 'confirmed', 'confirmation_id'],
  'intervention.assign': ['quiz_type', 'topics', 'confirmed', 'confirmation_id', 'quiz_id'],
  'intervention.cancel': [],
  'view.set': ['view'],
  'ui.toggle': ['field'],
  'slide.set': ['slide_id'],
};

/** The function each action calls (the specification's "Widget Actions → Function Mapping"). */
export const ACTION_FUNCTIONS: Partial<Record<WidgetActionType, string>> = {
  'confusion.ping': 'track_confusion',
  'question.submit': 'submit_question',
  'study.quiz': 'generate_quiz',
  'study.explain': 'explain_topic',
  'study.notes': 'fetch_notes',
  'heatmap.refresh': 'get_confusion_heatmap',
  'intervention.export': 'export_confusion_data',
  'intervention.notify': 'notify_students_via_lms',
  'intervention.assign': 'assign_remedial_quiz',
};
