/**
 * Chat messages in a Class Assist thread, through the real ChatKit endpoint over the demo lecture. Offline (no model
 * configured) the intent matcher runs what the message asks for the way the widget's buttons do; with a model (the
 * fake OpenAI server) the agent answers with the role's functions as tools, called as the session's member, streamed
 * as assistant-message events — and falls back to the offline answer when the model fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, seedDemo, type TestApp, uniqueId } from './helpers/app.js';
import {
  listen,
  nullPaths,
  openSession,
  openThread,
  stream,
  textInput,
  type WireItem,
  widgetText,
} from './helpers/chatkit.js';
import {
  chatText,
  chatToolCall,
  type FakeOpenAI,
  type RecordedRequest,
  responsesText,
  responsesToolCall,
  startFakeOpenAI,
} from './helpers/fake-openai.js';
import type { Node } from './helpers/widgets.js';

const COURSE = 'demo';
const INSTRUCTOR_TOOLS = [
  'get_confusion_heatmap',
  'export_confusion_data',
  'notify_students_via_lms',
  'assign_remedial_quiz',
];

let offline: TestApp;
let offlineBase: string;

interface Seat {
  userId: string;
  secret: string;
  threadId: string;
  widgetId: string;
  base: string;
}

interface Reply {
  events: Array<Record<string, unknown>>;
  /** The widget as replaced by the reply, when it was. */
  widget?: Node;
  /** Assistant messages completed by the reply. */
  messages: string[];
}

beforeAll(async () => {
  offline = await buildTestApp();
  await seedDemo(offline);
  offlineBase = await listen(offline);
});
afterAll(() => offline.close());

async function seat(t: TestApp, base: string, role: 'Learner' | 'Instructor'): Promise<Seat> {
  const userId = uniqueId(role === 'Learner' ? 'student' : 'teacher');
  const { client_secret } = await openSession(t, { userId, courseId: COURSE, courseName: 'Intro to ML', role });
  const { threadId, widget } = await openThread(base, client_secret);
  return { userId, secret: client_secret, threadId, widgetId: widget.id, base };
}

async function say(s: Seat, text: string): Promise<Reply> {
  const events = await stream(s.base, s.secret, {
    type: 'threads.add_user_message',
    params: { thread_id: s.threadId, input: textInput(text) },
  });
  expect(nullPaths(events)).toStrictEqual([]);
  expect(
    events.find((e) => e.type === 'error'),
    JSON.stringify(events),
  ).toBeUndefined();
  const reply: Reply = { events, messages: [] };
  for (const event of events) {
    const item = event.item as WireItem | undefined;
    if (event.type === 'thread.item.replaced' && item) {
      expect(item.id).toBe(s.widgetId);
      expect(item).not.toHaveProperty('class_assist');
      reply.widget = item.widget as Node;
    } else if (event.type === 'thread.item.done' && item?.type === 'assistant_message') {
      reply.messages.push(item.content?.map((part) => part.text).join('') ?? '');
    }
  }
  return reply;
}

async function confusionOf(t: TestApp, userId: string) {
  const { rows } = await t.pool.query<{ slide_id: string }>(
    'SELECT slide_id FROM confusion_events WHERE course_id = $1 AND user_id = $2 ORDER BY id',
    [COURSE, userId],
  );
  return rows.map((row) => row.slide_id);
}

describe('offline chat replies', () => {
  it('"quiz me" starts the same quiz the widget\'s Quiz button does, in the widget, and says so', async () => {
    const s = await seat(offline, offlineBase, 'Learner');
    const reply = await say(s, 'Quiz me');
    expect(reply.widget).toBeDefined();
    expect(reply.messages).toHaveLength(1);
    expect(reply.messages[0]).toMatch(/quiz/i);
    const { rows } = await offline.pool.query('SELECT focus FROM quizzes WHERE course_id = $1 AND user_id = $2', [
      COURSE,
      s.userId,
    ]);
    expect(rows).toStrictEqual([{ focus: 'confusion-zones' }]);
  });

  it('"test me on gradient descent" quizzes that topic, from the slides about it', async () => {
    const s = await seat(offline, offlineBase, 'Learner');
    const reply = await say(s, 'test me on gradient descent');
    expect(reply.widget).toBeDefined();
    const { rows } = await offline.pool.query('SELECT focus, questions FROM quizzes WHERE user_id = $1', [s.userId]);
    expect(rows.map((r) => r.focus)).toStrictEqual(['gradient descent']);
    const slides = new Set((rows[0]?.questions as Array<{ slide_id: string }> | undefined)?.map((q) => q.slide_id));
    expect(slides.has('slide-7')).toBe(true);
  });

  it('"quiz me on what we just covered" quizzes the recent topics', async () => {
    const s = await seat(offline, offlineBase, 'Learner');
    await say(s, 'quiz me on what we just covered');
    const { rows } = await offline.pool.query('SELECT focus FROM quizzes WHERE user_id = $1', [s.userId]);
    expect(rows).toStrictEqual([{ focus: 'recent-topics' }]);
  });

  it('"explain gradient descent" answers from the demo notes and cites the slide', async () => {
    const s = await seat(offline, offlineBase, 'Learner');
    const reply = await say(s, 'explain gradient descent');
    expect(reply.messages).toHaveLength(1);
    expect(reply.messages[0]).toContain('Gradient Descent and the Learning Rate');
    expect(reply.messages[0]).toMatch(/gradient descent/i);
  });

  it('"notes for slide 3" shows that slide\'s notes', async () => {
    const s = await seat(offline, offlineBase, 'Learner');
    const reply = await say(s, 'notes for slide 3');
    expect(reply.messages[0]).toContain('Features and Labels');
    expect(reply.messages[0]).toContain('A feature is a measurable property');
  });

  it('"I\'m lost on slide 4" records a confusion ping on slide-4 that the instructor\'s heatmap shows', async () => {
    const s = await seat(offline, offlineBase, 'Learner');
    const reply = await say(s, "I'm lost on slide 4");
    expect(await confusionOf(offline, s.userId)).toStrictEqual(['slide-4']);
    expect(reply.messages).toStrictEqual([expect.stringMatching(/instructor can see/i)]);
    expect(widgetText(reply.widget as Node)).toMatch(/instructor can see/i);

    const heatmap = await offline.call('get_confusion_heatmap', { course_id: COURSE, time_range: 'today' });
    const point = heatmap.json().chartData.find((p: { slide_id: string }) => p.slide_id === 'slide-4');
    expect(point.confused_students).toBeGreaterThanOrEqual(1);

    const teacher = await seat(offline, offlineBase, 'Instructor');
    const summary = await say(teacher, 'how confused is the class?');
    expect(summary.messages).toHaveLength(1);
    expect(summary.messages[0]).toMatch(/\*\*Confusion today\*\* — \d+ active students/);
    expect(summary.messages[0]).toContain('Training, Validation, and Test Sets');
  });

  it('"I\'m confused" pings the current slide', async () => {
    const s = await seat(offline, offlineBase, 'Learner');
    await say(s, "I'm confused");
    const { rows } = await offline.pool.query('SELECT current_slide_id FROM courses WHERE id = $1', [COURSE]);
    expect(await confusionOf(offline, s.userId)).toStrictEqual([rows[0].current_slide_id]);
  });

  it('a student asking for the heatmap gets the student help text and no instructor data', async () => {
    const s = await seat(offline, offlineBase, 'Learner');
    const reply = await say(s, 'show me the heatmap');
    expect(reply.widget).toBeUndefined();
    expect(reply.messages).toHaveLength(1);
    expect(reply.messages[0]).toContain("I'm Class Assist");
    expect(reply.messages[0]).not.toMatch(/heatmap|active students|confusing slides|export|notify/i);
  });

  it("anything else gets the role's help text", async () => {
    const teacher = await seat(offline, offlineBase, 'Instructor');
    const reply = await say(teacher, 'hello there');
    expect(reply.messages[0]).toMatch(/Show the heatmap/);
  });
});

describe('chat replies with a model', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await buildTestApp({
      databaseUrl: offline.databaseUrl,
      env: { OPENAI_BASE_URL: fake.baseURL, OPENAI_API: 'responses', OPENAI_MAX_RETRIES: '0' },
    });
    base = await listen(t);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  const toolNames = (request: RecordedRequest | undefined) =>
    ((request?.body?.tools ?? []) as Array<{ name?: string; function?: { name: string } }>).map(
      (tool) => tool.name ?? tool.function?.name,
    );

  it("runs a tool call as the session's member and streams the final text as text deltas", async () => {
    const s = await seat(t, base, 'Learner');
    fake.reset();
    fake.enqueue(
      // The model names another course and another user: both are ignored.
      responsesToolCall('fetch_notes', { course_id: 'other-course', user_id: 'someone-else', slide_id: 'slide-3' }),
      responsesText('Slide 3 (Features and Labels): a feature is an input. What would be a label for a house?'),
    );
    const reply = await say(s, 'What is on slide 3? Teach me.');
    expect(fake.requests.map((r) => r.path)).toStrictEqual(['/v1/responses', '/v1/responses']);

    const output = JSON.stringify(fake.requests[1]?.body?.input);
    expect(output).toContain('function_call_output');
    expect(output).toContain('A feature is a measurable property');

    const types = reply.events.map(
      (e) => `${e.type}${(e.update as { type?: string })?.type ? `:${(e.update as { type: string }).type}` : ''}`,
    );
    const added = types.indexOf('thread.item.added');
    expect(added).toBeGreaterThan(0);
    expect(types[added + 1]).toBe('thread.item.updated:assistant_message.content_part.added');
    const deltas = reply.events.filter(
      (e) => (e.update as { type?: string } | undefined)?.type === 'assistant_message.content_part.text_delta',
    );
    expect(deltas.length).toBeGreaterThan(1);
    expect(types.at(-2)).toBe('thread.item.updated:assistant_message.content_part.done');
    expect(types.at(-1)).toBe('thread.item.done');
    const text = 'Slide 3 (Features and Labels): a feature is an input. What would be a label for a house?';
    expect(deltas.map((e) => (e.update as { delta: string }).delta).join('')).toBe(text);
    expect(reply.messages).toStrictEqual([text]);
    expect(reply.events[added]).toMatchObject({ item: { type: 'assistant_message', content: [] } });
  });

  it('passes recent messages as history', async () => {
    const s = await seat(t, base, 'Learner');
    fake.reset();
    fake.enqueue(responsesText('First answer.'), responsesText('Second answer.'));
    await say(s, 'first question');
    await say(s, 'second question');
    const input = JSON.stringify(fake.requests[1]?.body?.input);
    expect(input).toContain('first question');
    expect(input).toContain('First answer.');
    expect(input).toContain('second question');
  });

  it("lists no instructor tools in a student's request, and all nine for an instructor, without session fields", async () => {
    const s = await seat(t, base, 'Learner');
    fake.reset();
    fake.enqueue(responsesText('Hello!'));
    await say(s, 'hi');
    const studentTools = toolNames(fake.requests[0]);
    expect(studentTools).toStrictEqual([
      'track_confusion',
      'submit_question',
      'generate_quiz',
      'explain_topic',
      'fetch_notes',
    ]);
    const schema = JSON.stringify(fake.requests[0]?.body?.tools);
    expect(schema).not.toContain('course_id');
    expect(schema).not.toContain('user_id');

    const teacher = await seat(t, base, 'Instructor');
    fake.reset();
    fake.enqueue(responsesText('Hello!'));
    await say(teacher, 'hi');
    expect(toolNames(fake.requests[0])).toStrictEqual(expect.arrayContaining(INSTRUCTOR_TOOLS));
    expect(toolNames(fake.requests[0])).toHaveLength(9);
    expect(fake.requests[0]?.body?.instructions).toMatch(/an instructor/);
  });

  it('falls back to the offline answer, saying so, when the model fails', async () => {
    const s = await seat(t, base, 'Learner');
    fake.reset(); // nothing scripted: the fake answers 500
    const reply = await say(s, 'explain gradient descent');
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(reply.messages).toHaveLength(1);
    expect(reply.messages[0]).toMatch(/^_I couldn't reach the AI model/);
    expect(reply.messages[0]).toContain('Gradient Descent and the Learning Rate');
    expect(reply.events.some((e) => e.type === 'thread.item.added')).toBe(false);
  });
});

describe('chat replies over Chat Completions', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    // A base URL that is not OpenAI's: Chat Completions by default.
    t = await buildTestApp({ databaseUrl: offline.databaseUrl, env: { OPENAI_BASE_URL: fake.baseURL } });
    base = await listen(t);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it("uses /v1/chat/completions and records confusion as the session's student", async () => {
    const s = await seat(t, base, 'Learner');
    fake.enqueue(
      chatToolCall('track_confusion', { course_id: 'other-course', user_id: 'demo-student-1', slide_id: 'slide-5' }),
      chatText('Noted — your instructor can see slide 5 is confusing. Which part lost you?'),
    );
    const reply = await say(s, 'I am lost on linear regression');
    expect(fake.requests.map((r) => r.path)).toStrictEqual(['/v1/chat/completions', '/v1/chat/completions']);
    expect(await confusionOf(t, s.userId)).toStrictEqual(['slide-5']);
    expect(await confusionOf(t, 'demo-student-1')).not.toContain('slide-5');
    expect(reply.messages).toStrictEqual([
      'Noted — your instructor can see slide 5 is confusing. Which part lost you?',
    ]);
  });
});
