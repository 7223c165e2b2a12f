/**
 * Taking a quiz inside the widget on the demo course, through ChatKit actions as a browser sends them: Quiz me starts a
 * 5-question quiz on the slides the student flagged, each choice answers (scored and stored; the first answer counts),
 * Next moves on, the score and what to review close it, and a second quiz moves the improvement metric.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, seedDemo, type TestApp, uniqueId } from './helpers/app.js';
import { listen, nullPaths, openSession, openThread, stream, type WireItem, widgetText } from './helpers/chatkit.js';
import { chatJson, type FakeOpenAI, startFakeOpenAI } from './helpers/fake-openai.js';
import { allNodes, type Node } from './helpers/widgets.js';

const COURSE = 'demo';

interface Question {
  id: string;
  answer_index: number;
  slide_id: string;
}

interface Step {
  widget: Node;
  messages: string[];
  error?: { message?: string };
}

let t: TestApp;
let base: string;

async function seededApp(env?: Record<string, string>): Promise<{ app: TestApp; url: string }> {
  const app = await buildTestApp({ env });
  await seedDemo(app);
  return { app, url: await listen(app) };
}

beforeAll(async () => {
  ({ app: t, url: base } = await seededApp());
});
afterAll(() => t.close());

/** A demo-course student with a thread; `act` sends a widget action and returns the new widget and messages. */
async function student(on: { t: TestApp; base: string } = { t, base }) {
  const { t, base } = on;
  const userId = uniqueId('student');
  const { client_secret } = await openSession(t, { userId, courseId: COURSE, courseName: 'Demo', role: 'Learner' });
  const { threadId, widget } = await openThread(base, client_secret);
  let current = widget.widget as Node;
  const act = async (type: string, payload: Record<string, unknown> = {}): Promise<Step> => {
    const events = await stream(base, client_secret, {
      type: 'threads.custom_action',
      params: { thread_id: threadId, item_id: widget.id, action: { type, payload } },
    });
    expect(nullPaths(events)).toStrictEqual([]);
    const step: Step = { widget: current, messages: [] };
    for (const event of events) {
      const item = event.item as WireItem | undefined;
      if (event.type === 'thread.item.replaced' && item?.widget) step.widget = current = item.widget as Node;
      if (event.type === 'thread.item.done' && item) step.messages.push(item.content?.[0]?.text ?? '');
      if (event.type === 'error') step.error = event as Step['error'];
    }
    return step;
  };
  const ping = async (slideId: string) => {
    const response = await t.call('track_confusion', { user_id: userId, course_id: COURSE, slide_id: slideId });
    expect(response.statusCode, response.body).toBe(200);
    t.clock.advance(60);
  };
  return { userId, act, ping };
}

/** The choice buttons on show: their labels and the actions they send. */
function choices(widget: Node) {
  return allNodes(widget)
    .filter((n) => n.type === 'Button' && (n.onClickAction as { type?: string } | undefined)?.type === 'quiz.answer')
    .map((n) => ({
      label: n.label as string,
      payload: (n.onClickAction as { payload: { attempt_id: string; question_id: string; choice_index: number } })
        .payload,
    }));
}

function buttonAction(widget: Node, label: string) {
  const found = allNodes(widget).filter((n) => n.type === 'Button' && n.label === label);
  expect(found, label).toHaveLength(1);
  return found[0]?.onClickAction as { type: string; payload?: Record<string, unknown> };
}

const badges = (widget: Node) =>
  allNodes(widget)
    .filter((n) => n.type === 'Badge')
    .map((n) => n.label);

async function questionsOf(attemptId: string, app = t): Promise<Question[]> {
  const { rows } = await app.pool.query<{ questions: Question[] }>(
    'SELECT q.questions FROM quiz_attempts a JOIN quizzes q ON q.id = a.quiz_id WHERE a.id = $1',
    [attemptId],
  );
  return rows[0]?.questions ?? [];
}

const improvementOf = (widget: Node) => {
  const titles = allNodes(widget).filter((n) => n.type === 'Title');
  return titles[titles.length - 1]?.value;
};

/** Takes the quiz on show, answering right for the first `right` questions and wrong after; returns the last step. */
async function takeQuiz(act: Awaited<ReturnType<typeof student>>['act'], start: Step, right: number, app = t) {
  let step = start;
  const attemptId = choices(step.widget)[0]?.payload.attempt_id ?? '';
  const questions = await questionsOf(attemptId, app);
  expect(questions).toHaveLength(5);
  for (let i = 0; i < questions.length; i++) {
    const shown = choices(step.widget);
    expect(shown).toHaveLength(4);
    const question = questions.find((q) => q.id === shown[0]?.payload.question_id) as Question;
    const pick = i < right ? question.answer_index : (question.answer_index + 1) % 4;
    step = await act('quiz.answer', shown[pick]?.payload ?? {});
    expect(badges(step.widget)).toStrictEqual([i < right ? 'Correct' : 'Not quite']);
    if (i >= right) expect(widgetText(step.widget)).toContain('The answer is **');
    expect(choices(step.widget)).toStrictEqual([]);
    const next = buttonAction(step.widget, i === questions.length - 1 ? 'See my score' : 'Next question');
    step = await act(next.type, next.payload);
  }
  return step;
}

describe('a quiz in the widget', () => {
  it('asks five questions on the flagged slides, scores each answer and ends with the score', async () => {
    const { userId, act, ping } = await student();
    await ping('slide-7');
    await ping('slide-8');
    const started = await act('study.quiz', { focus: 'confusion-zones' });
    expect(started.error).toBeUndefined();
    expect(widgetText(started.widget)).toContain('Question 1 of 5');
    const first = choices(started.widget);
    expect(first.map((c) => c.label.slice(0, 3))).toStrictEqual(['A. ', 'B. ', 'C. ', 'D. ']);
    const attemptId = first[0]?.payload.attempt_id as string;
    const questions = await questionsOf(attemptId);
    expect(new Set(questions.map((q) => q.slide_id))).toStrictEqual(new Set(['slide-7', 'slide-8']));

    const finished = await takeQuiz(act, started, 3);
    const text = widgetText(finished.widget);
    expect(text).toContain('3 of 5 correct (60%)');
    expect(text).toContain('Worth another look');
    expect(choices(finished.widget)).toStrictEqual([]);
    expect(finished.messages).toHaveLength(1);
    expect(finished.messages[0]).toContain('Quiz finished: 3 of 5 correct (60%)');

    const { rows } = await t.pool.query(
      `SELECT a.user_id, a.finished_at IS NOT NULL AS finished, count(*) FILTER (WHERE ans.correct)::int AS correct,
              count(*)::int AS answered
       FROM quiz_attempts a JOIN quiz_answers ans ON ans.attempt_id = a.id WHERE a.id = $1 GROUP BY a.id`,
      [attemptId],
    );
    expect(rows).toStrictEqual([{ user_id: userId, finished: true, correct: 3, answered: 5 }]);
  });

  it('keeps the first answer, refuses a choice that does not exist, and closes', async () => {
    const { act, ping } = await student();
    await ping('slide-5');
    const started = await act('study.quiz', {});
    const [a, b] = choices(started.widget);
    const answered = await act('quiz.answer', a?.payload ?? {});
    const again = await act('quiz.answer', b?.payload ?? {});
    expect(widgetText(again.widget)).toContain('your first answer counts');
    const { rows } = await t.pool.query('SELECT choice_index FROM quiz_answers WHERE attempt_id = $1', [
      a?.payload.attempt_id,
    ]);
    expect(rows).toStrictEqual([{ choice_index: 0 }]);
    expect(badges(answered.widget)).toHaveLength(1);

    const bad = await act('quiz.answer', { ...b?.payload, choice_index: 9 });
    expect(bad.error).toBeUndefined();
    expect(widgetText(bad.widget)).toContain('Choose one of the 4 answers');
    const closed = await act('quiz.close');
    expect(widgetText(closed.widget)).not.toContain('Practice quiz');
  });

  it("does not let a student answer someone else's attempt", async () => {
    const alice = await student();
    const bob = await student();
    await alice.ping('slide-3');
    const started = await alice.act('study.quiz', {});
    const stolen = await bob.act('quiz.answer', choices(started.widget)[0]?.payload ?? {});
    expect(stolen.error?.message).toMatch(/not found/);
    const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM quiz_answers WHERE attempt_id = $1', [
      choices(started.widget)[0]?.payload.attempt_id,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('shows the improvement on the flagged topics between the first and the latest quiz', async () => {
    const { act, ping } = await student();
    await ping('slide-7');
    const first = await takeQuiz(act, await act('study.quiz', {}), 2);
    expect(widgetText(first.widget)).toContain('appears after two quizzes');
    expect(improvementOf(first.widget)).toBe('—');
    t.clock.advance(600);
    const second = await takeQuiz(act, await act('study.quiz', {}), 5);
    // 2 of 5 (40%) then 5 of 5 (100%): +60 percentage points.
    expect(widgetText(second.widget)).toContain('+60%');
    expect(second.messages[0]).toContain('**+60%**');
    const closed = await act('quiz.close');
    expect(improvementOf(closed.widget)).toBe('+60%');
  });
});

describe('a quiz written by a model (a fake OpenAI-compatible server)', () => {
  let fake: FakeOpenAI;
  let model: { t: TestApp; base: string };

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    const { app, url } = await seededApp({ OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: 'tutor-1' });
    model = { t: app, base: url };
  });
  afterAll(async () => {
    await model.t.close();
    await fake.close();
  });

  it('runs the same flow through the model: its questions, scored the same way', async () => {
    const { act, ping } = await student(model);
    await ping('slide-7');
    const questions = [0, 1, 2, 3, 4].map((i) => ({
      prompt: `Model question ${i + 1} about the learning rate?`,
      choices: ['too small', 'too large', 'just right', 'irrelevant'],
      answer_index: 1,
      explanation: 'Slide 7: a learning rate that is too large overshoots.',
      slide_id: 'slide-7',
    }));
    fake.enqueue(chatJson({ topics: ['Gradient descent'], questions }));
    const started = await act('study.quiz', {});
    expect(started.error).toBeUndefined();
    const request = fake.requests.at(-1)?.body;
    expect(request?.model).toBe('tutor-1');
    expect(JSON.stringify(request?.messages)).toContain('learning rate');
    expect(widgetText(started.widget)).toContain('Model question 1 about the learning rate?');
    expect(widgetText(started.widget)).toContain('Written by the AI model from your course notes.');
    const finished = await takeQuiz(act, started, 4, model.t);
    expect(widgetText(finished.widget)).toContain('4 of 5 correct (80%)');
  });
});
