/**
 * Study help written by a model: generate_quiz and explain_topic through the OpenAI-compatible provider against the
 * fake OpenAI server (helpers/fake-openai.ts), its grounding and schema, retries, and the offline fallback when the
 * model fails (errors, timeouts, refusals, unusable answers). Also: the fake's streams parse with the real SDK.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, seedDemo, type TestApp, uniqueId } from './helpers/app.js';
import {
  chatJson,
  chatRefusal,
  chatText,
  chatToolCall,
  type FakeOpenAI,
  type FakeReply,
  openAIError,
  type RequestBody,
  responsesText,
  responsesToolCall,
  startFakeOpenAI,
} from './helpers/fake-openai.js';

const COURSE = 'demo';
const API_KEY = 'sk-test-secret-key-0123456789';
/** Makes the SDK retry at once instead of after its ~0.5 s backoff. */
const RETRY_NOW = { 'retry-after-ms': '10' };

let fake: FakeOpenAI;
let t: TestApp;
let notes: Map<string, string>;

async function seeded(env: Record<string, string>): Promise<TestApp> {
  const app = await buildTestApp({ env });
  await seedDemo(app);
  return app;
}

beforeAll(async () => {
  fake = await startFakeOpenAI();
  t = await seeded({
    OPENAI_API_KEY: API_KEY,
    OPENAI_BASE_URL: fake.baseURL,
    OPENAI_MODEL: 'test-model',
    OPENAI_TIMEOUT_MS: '300',
    OPENAI_MAX_RETRIES: '1',
  });
  const { rows } = await t.pool.query<{ id: string; notes: string }>(
    'SELECT id, notes FROM slides WHERE course_id = $1',
    [COURSE],
  );
  notes = new Map(rows.map((r) => [r.id, r.notes]));
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.reset();
  fake.setDefault(validAnswer);
});

/** The slide ids the request's schema allows (its enum), i.e. the slides the model was given. */
function allowedSlides(body: RequestBody | undefined): string[] {
  type Enum = { enum?: string[] };
  const { properties } = (body?.response_format?.json_schema?.schema ?? {}) as {
    properties?: { questions?: { items: { properties: { slide_id: Enum } } }; slide_ids?: { items: Enum } };
  };
  return properties?.questions?.items.properties.slide_id.enum ?? properties?.slide_ids?.items.enum ?? [];
}

/** A valid quiz or explanation for whatever the request asked. */
function validAnswer(request: { body: RequestBody | undefined }): FakeReply {
  const slides = allowedSlides(request.body);
  if (request.body?.response_format?.json_schema?.name === 'class_assist_explanation') {
    return chatJson({
      explanation: 'Think of **gradient descent** as walking downhill.',
      slide_ids: slides.slice(0, 1),
    });
  }
  return chatJson(quizAnswer(slides));
}

function quizAnswer(slides: string[], patch: Record<string, unknown> = {}) {
  const questions = [0, 1, 2, 3, 4].map((i) => ({
    prompt: `Question ${i + 1}?`,
    choices: ['alpha', 'beta', 'gamma', 'delta'],
    answer_index: i % 4,
    explanation: 'Because the slide says so.',
    slide_id: slides[i % slides.length],
    ...patch,
  }));
  return { topics: ['Gradient descent'], questions };
}

/** A quiz on the confusion zone of a student who was confused on slide 7. */
const quiz = async () => {
  const student = uniqueId('s');
  const ping = await t.call('track_confusion', { user_id: student, course_id: COURSE, slide_id: 'slide-7' });
  expect(ping.statusCode, ping.body).toBe(200);
  const response = await t.call('generate_quiz', { user_id: student, course_id: COURSE, focus: 'confusion-zones' });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
};
const explain = async (topic = 'gradient descent', app = t) => {
  const response = await app.call('explain_topic', { user_id: uniqueId('s'), course_id: COURSE, topic });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
};
const modelCalls = () => fake.requests.filter((r) => r.path === '/v1/chat/completions');
const logged = (msg: string) => t.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === msg);

describe('through the model', () => {
  it('generate_quiz: grounded in the focus slides, with the JSON schema, usage logged, stored as openai', async () => {
    const q = await quiz();
    expect(q.source).toBe('openai');
    expect(q.questions).toHaveLength(5);
    expect(q.questions.map((x: { id: string }) => x.id)).toEqual(['q1', 'q2', 'q3', 'q4', 'q5']);
    expect(q.message).toBeUndefined();

    const [request] = modelCalls();
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.body?.model).toBe('test-model');
    expect(request?.body?.response_format).toMatchObject({ type: 'json_schema', json_schema: { strict: true } });
    const focus = allowedSlides(request?.body);
    expect(focus).toContain('slide-7');
    const prompt = JSON.stringify(request?.body?.messages);
    for (const id of focus) expect(prompt).toContain(JSON.stringify(notes.get(id)?.trim()).slice(1, -1));

    const { rows } = await t.pool.query('SELECT source FROM quizzes WHERE id = $1', [q.quiz_id]);
    expect(rows[0]?.source).toBe('openai');
    expect(logged('study model call').at(-1)).toMatchObject({
      model: 'test-model',
      operation: 'quiz',
      prompt_tokens: 12,
      completion_tokens: 34,
      outcome: 'ok',
      latency_ms: expect.any(Number),
    });
    expect(t.logs.join('\n')).not.toContain(API_KEY);
  });

  it('explain_topic: cites only the given slides, with their titles', async () => {
    const body = await explain();
    expect(body).toMatchObject({ source: 'openai', explanation: expect.stringMatching(/walking downhill/) });
    expect(body.sources).toEqual([{ slide_id: expect.any(String), title: expect.any(String) }]);
    const request = modelCalls()[0];
    expect(JSON.stringify(request?.body?.messages)).toContain(
      JSON.stringify(notes.get('slide-7')?.trim()).slice(1, -1),
    );
    expect(request?.body?.messages?.[0]?.content).toMatch(/never give the solution/);
  });

  it('explain_topic: a topic not in the material is answered offline without asking the model', async () => {
    const body = await explain('quantum chromodynamics');
    expect(body).toMatchObject({ source: 'offline', sources: [] });
    expect(body.explanation).toMatch(/not in the course material/);
    expect(modelCalls()).toHaveLength(0);
  });

  it('retries a 429 and then answers from the model', async () => {
    fake.enqueue({ status: 429, headers: RETRY_NOW, body: openAIError('Slow down', 'rate_limit_exceeded') });
    expect((await quiz()).source).toBe('openai');
    expect(modelCalls()).toHaveLength(2);
  });

  it('retries a reply slower than OPENAI_TIMEOUT_MS', async () => {
    fake.enqueue({ ...chatJson({}), delayMs: 1_000 });
    expect((await explain()).source).toBe('openai');
    expect(modelCalls()).toHaveLength(2);
  });
});

describe('offline fallback', () => {
  const fallsBack = async (why: string, ...replies: FakeReply[]) => {
    fake.setDefault(undefined);
    fake.enqueue(...replies);
    const q = await quiz();
    expect(q.source).toBe('offline');
    expect(q.questions.length).toBeGreaterThan(0);
    expect(q.message).toMatch(/model was unavailable, so this quiz was made from the course notes/);
    expect(logged('study model unavailable: answered offline from the course notes').at(-1)).toMatchObject({
      operation: 'quiz',
      reason: why,
    });
  };

  it('when 500s outlast the retries', async () => {
    const error = { status: 500, headers: RETRY_NOW, body: openAIError('Boom', null, 'server_error') };
    await fallsBack('server_error', error, error);
    expect(modelCalls()).toHaveLength(2);
  });

  it('when every attempt times out', async () => {
    await fallsBack('timeout', { ...chatJson({}), delayMs: 2_000 }, { ...chatJson({}), delayMs: 2_000 });
  });

  it('on a refusal, without retrying', async () => {
    await fallsBack('refusal', chatRefusal("I can't help with that."));
    expect(modelCalls()).toHaveLength(1);
  });

  it('on a 4xx that is not retryable', async () => {
    await fallsBack('rejected', { status: 400, body: openAIError('Invalid schema for response_format') });
    expect(modelCalls()).toHaveLength(1);
  });

  it('on an answer_index out of range', async () => {
    await fallsBack('invalid_output', chatJson(quizAnswer(['slide-7'], { answer_index: 4 })));
  });

  it('on a slide id the model was not given', async () => {
    await fallsBack('invalid_output', chatJson(quizAnswer(['slide-99'])));
  });

  it('on text that is not JSON, and notes it under an explanation', async () => {
    fake.setDefault(undefined);
    fake.enqueue(chatText('Sure! Gradient descent is...'));
    const body = await explain();
    expect(body.source).toBe('offline');
    expect(body.sources.map((s: { slide_id: string }) => s.slide_id)).toContain('slide-7');
    expect(body.explanation).toMatch(/model was unavailable, so this explanation was made from the course notes/);
  });
});

it('works with OPENAI_BASE_URL and no key (a local OpenAI-compatible server)', async () => {
  const local = await seeded({ OPENAI_BASE_URL: fake.baseURL });
  try {
    const body = await explain('gradient descent', local);
    expect(body.source).toBe('openai');
    expect(modelCalls()[0]?.headers.authorization).toBe('Bearer not-needed');
    expect(modelCalls()[0]?.body?.model).toBe('gpt-4.1-mini');
  } finally {
    await local.close();
  }
});

describe('the fake OpenAI server with the SDK', () => {
  const client = () => new OpenAI({ apiKey: 'test', baseURL: fake.baseURL, maxRetries: 0 });

  it('streams a Responses answer: text deltas, then the completed response with usage', async () => {
    fake.enqueue(responsesText('Gradient descent walks downhill.'));
    const stream = await client().responses.create({ model: 'test-model', input: 'Explain', stream: true });
    const types: string[] = [];
    let text = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(text).toBe('Gradient descent walks downhill.');
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.output_text.done');
    expect(completed?.usage?.total_tokens).toBe(46);
    expect(fake.requests[0]?.body?.stream).toBe(true);
  });

  it('streams Responses function calls and chat tool-call deltas the SDK assembles', async () => {
    fake.enqueue(responsesToolCall('explain_topic', { topic: 'loss' }, 'call_1'), chatToolCall('quiz', { n: 5 }));
    const response = await client().responses.stream({ model: 'm', input: 'x' }).finalResponse();
    expect(response.output[0]).toMatchObject({ type: 'function_call', call_id: 'call_1', name: 'explain_topic' });
    const chat = await client()
      .chat.completions.stream({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
      .finalChatCompletion();
    expect(chat.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      function: { name: 'quiz', arguments: '{"n":5}' },
    });
  });
});
