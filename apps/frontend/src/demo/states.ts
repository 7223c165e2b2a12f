/** Sample widget states for the demo page (the demo course as the seed data tells it). */
import type { ClassAssistWidgetState, TimeRange, WidgetView } from '@class-assist/contracts';

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
const CONFUSED = [0, 20, 0, 20, 40, 40, 60, 0, 0, 0, 0, 0];

export function demoState(view: WidgetView, slideIndex = 6): ClassAssistWidgetState {
  const slideNumber = slideIndex + 1;
  const title = TITLES[slideIndex] ?? '';
  return {
    courseName: 'Introduction to Machine Learning',
    view,
    viewOptions: [
      { value: 'student', label: 'Student view' },
      { value: 'instructor', label: 'Instructor view' },
    ],
    askOpen: false,
    metrics: { improvement: '+22%' },
    spike: { active: true, message: '3 students confused in last 2 minutes — consider pausing' },
    chartData: TITLES.map((t, i) => ({
      label: `Slide ${i + 1}`,
      confused: CONFUSED[i] ?? 0,
      slide_id: `slide-${i + 1}`,
      title: t,
    })),
    role: view,
    canSwitchView: view === 'instructor',
    slide: {
      id: `slide-${slideNumber}`,
      label: `Slide ${slideNumber} of ${TITLES.length} — ${title}`,
      title,
      topic: title,
      previousId: slideIndex > 0 ? `slide-${slideNumber - 1}` : null,
      nextId: slideIndex < TITLES.length - 1 ? `slide-${slideNumber + 1}` : null,
    },
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
}

const QUIZ_CHOICES = [
  'It converges faster',
  'It may overshoot and diverge',
  'Nothing changes',
  'The loss becomes zero',
];

/** The demo's one-question quiz: on show, answered with `choice`, or finished. */
function demoQuiz(choice?: number, finished = false): ClassAssistWidgetState['quiz'] {
  const attempt = { attempt_id: 'demo-attempt' };
  const correct = choice === 1;
  return {
    attemptId: 'demo-attempt',
    title: 'Practice quiz on Gradient Descent and the Learning Rate',
    progress: finished ? 'Finished' : 'Question 1 of 1',
    sourceNote: '',
    question: finished
      ? null
      : {
          id: 'q1',
          prompt: 'What happens when the learning rate is too large?',
          slideLabel: 'From Slide 7 — Gradient Descent and the Learning Rate',
          choices: QUIZ_CHOICES.map((label, c) => ({
            label: `${String.fromCharCode(65 + c)}. ${label}`,
            action: { type: 'quiz.answer', payload: { ...attempt, question_id: 'q1', choice_index: c } },
          })),
        },
    feedback:
      choice === undefined || finished
        ? null
        : {
            correct,
            text: `${correct ? '' : 'The answer is **B. It may overshoot and diverge**. '}Slide 7: too large a step overshoots the minimum.`,
          },
    nextAction: choice === undefined || finished ? null : { type: 'quiz.next', payload: attempt },
    nextLabel: 'See my score',
    result: finished ? { score: '1 of 1 correct (100%)', summary: 'All correct — well done.' } : null,
  };
}

/** What the fake server does with an action: the new state, and a reply to show (Markdown). */
export function demoAction(
  state: ClassAssistWidgetState,
  type: string,
  payload: Record<string, unknown>,
): { state: ClassAssistWidgetState; reply?: string } {
  const done = (text: string) => ({ tone: 'success' as const, text });
  switch (type) {
    case 'view.set':
      return { state: { ...state, view: payload.view === 'student' ? 'student' : 'instructor' } };
    case 'ui.toggle':
      return { state: { ...state, askOpen: !state.askOpen } };
    case 'confusion.ping':
      return { state: { ...state, notice: done('Thanks — your instructor can see this slide is confusing.') } };
    case 'question.submit':
      return { state: { ...state, askOpen: false, notice: done('Question sent to your instructor.') } };
    case 'slide.set': {
      const index = Number(String(payload.slide_id ?? '').replace('slide-', '')) - 1;
      return { state: { ...demoState(state.view, index), notice: null } };
    }
    case 'heatmap.refresh':
      return { state: { ...state, timeRange: (payload.time_range as TimeRange | undefined) ?? state.timeRange } };
    case 'study.explain':
      return {
        state,
        reply: `**${String(payload.topic ?? 'This topic')}**, in short: gradient descent takes small steps downhill on the loss. The *learning rate* sets the step size — too large and it overshoots, too small and it crawls.`,
      };
    case 'study.notes':
      return {
        state,
        reply:
          '### Notes: Gradient Descent\n\n- Update rule: `w ← w − η ∇L(w)`\n- Learning rate η: try 0.1, 0.01, 0.001\n- Watch the loss curve: it should go down.',
      };
    case 'study.quiz':
      return { state: { ...state, quiz: demoQuiz() } };
    case 'quiz.answer':
      return { state: { ...state, quiz: demoQuiz(Number(payload.choice_index)) } };
    case 'quiz.next':
      return { state: { ...state, quiz: demoQuiz(1, true) } };
    case 'quiz.close':
      return { state: { ...state, quiz: null } };
    case 'intervention.export':
      return { state, reply: 'Export ready: [confusion-demo.csv](#demo-export) (18 events).' };
    case 'intervention.notify':
    case 'intervention.assign':
      if (payload.confirmed === true)
        return { state: { ...state, pending: null, notice: done('Sent through the LMS.') } };
      return {
        state: {
          ...state,
          pending: {
            kind: type === 'intervention.notify' ? 'notify' : 'assign',
            summary:
              type === 'intervention.notify'
                ? `Message **3 confused students**: “${String(payload.message ?? '')}”`
                : `Assign a **${String(payload.quiz_type ?? 'remedial')}** quiz to the class.`,
            confirmAction: { type, payload: { ...payload, confirmed: true } },
          },
        },
      };
    case 'intervention.cancel':
      return { state: { ...state, pending: null } };
    default:
      return { state };
  }
}
