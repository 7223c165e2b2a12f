/** The Canvas client against a fake Canvas on loopback: messages, quizzes, paging, retries, errors, logging. */
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CanvasClientOptions, createCanvasClient } from '../src/lms/canvas-client.js';
import { LmsError } from '../src/lms/lms-error.js';
import { type FakeCanvas, type FakeCanvasStudent, startFakeCanvas } from './helpers/fake-canvas.js';

const FAST = { retries: 4, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 2_000 };
const COURSE = '42';
const students: FakeCanvasStudent[] = Array.from({ length: 7 }, (_, i) => ({
  id: String(101 + i),
  name: `Student ${i + 1}`,
  email: `s${i + 1}@example.edu`,
}));

let canvas: FakeCanvas;

function client(overrides: Partial<CanvasClientOptions> = {}) {
  return createCanvasClient({ baseUrl: canvas.baseUrl, token: canvas.token, http: FAST, ...overrides });
}

beforeAll(async () => {
  canvas = await startFakeCanvas({ token: 'canvas-secret-token-abcdef123456' });
  canvas.addCourse(COURSE, students);
  canvas.addCourse(
    'big',
    Array.from({ length: 250 }, (_, i) => ({ id: String(5000 + i), name: `Big ${i}` })),
  );
});
afterAll(() => canvas.close());
beforeEach(() => canvas.reset());

describe('sendMessage', () => {
  it('delivers one private conversation per recipient', async () => {
    const ids = ['101', '102', '103'];
    const result = await client().sendMessage({
      courseId: COURSE,
      recipientIds: ids,
      subject: 'Hi',
      body: 'Review slide 4',
    });

    expect(result.conversationIds).toHaveLength(3);
    expect(canvas.messages.map((m) => m.recipientId).sort()).toEqual(ids);
    expect(canvas.messages.every((m) => m.subject === 'Hi' && m.body === 'Review slide 4')).toBe(true);
    expect(canvas.conversations.every((c) => c.private && c.recipientIds.length === 1)).toBe(true);
    const [request] = canvas.requests;
    expect(request?.form).toMatchObject({
      recipients: ids,
      context_code: `course_${COURSE}`,
      force_new: 'true',
      group_conversation: 'false',
    });
    expect(request?.headers['user-agent']).toMatch(/^ClassAssist\/\d+\.\d+\.\d+ \(\+https?:\/\//);
  });

  it('uses bulk mode (still one conversation per recipient) above 100 recipients, in batches', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => String(5000 + i));
    await client({ bulkBatchSize: 120 }).sendMessage({ courseId: 'big', recipientIds: ids, subject: 'S', body: 'B' });

    expect(canvas.requests).toHaveLength(3);
    for (const request of canvas.requests) {
      expect(request.form).toMatchObject({ group_conversation: 'true', bulk_message: 'true' });
    }
    expect(canvas.messages).toHaveLength(250);
    expect(new Set(canvas.messages.map((m) => m.recipientId)).size).toBe(250);
    expect(canvas.conversations.every((c) => c.recipientIds.length === 1)).toBe(true);
  });

  it.each(['rate-limit', '500', '429', 'drop'] as const)('retries after %s and delivers exactly once', async (kind) => {
    canvas.failNext(2, kind, { pathPrefix: '/api/v1/conversations' });
    await client().sendMessage({ courseId: COURSE, recipientIds: ['104'], subject: 'S', body: 'B' });

    expect(canvas.requests).toHaveLength(3);
    expect(canvas.messages).toEqual([expect.objectContaining({ recipientId: '104' })]);
  });

  it('gives up after its retries with a rate_limited error that is not permanent', async () => {
    canvas.failNext(10, 'rate-limit');
    const error = await client({ http: { ...FAST, retries: 2 } })
      .sendMessage({ courseId: COURSE, recipientIds: ['101'], subject: 'S', body: 'B' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LmsError);
    expect(error).toMatchObject({ kind: 'rate_limited', permanent: false, status: 403 });
    expect(canvas.requests).toHaveLength(3);
  });

  it('reports 5xx after retries as unavailable', async () => {
    canvas.failNext(10, '500');
    await expect(
      client({ http: { ...FAST, retries: 1 } }).sendMessage({
        courseId: COURSE,
        recipientIds: ['101'],
        subject: 'S',
        body: 'B',
      }),
    ).rejects.toMatchObject({ kind: 'unavailable', permanent: false, status: 500 });
  });

  it("maps Canvas's 400 recipient error to a permanent invalid error with its message", async () => {
    const error = await client()
      .sendMessage({ courseId: COURSE, recipientIds: ['999999'], subject: 'S', body: 'B' })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ kind: 'invalid', permanent: true, status: 400 });
    expect((error as Error).message).toMatch(/^Canvas rejected the request \(400\): recipients: Invalid recipients/);
    expect(canvas.requests).toHaveLength(1);
  });

  it('fails fast on a refused token, without retrying, with a clear message and no token', async () => {
    const token = 'wrong-token-zyxwvu987654';
    const error = await client({ token })
      .sendMessage({ courseId: COURSE, recipientIds: ['101'], subject: 'S', body: 'B' })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ kind: 'auth', permanent: true, status: 401 });
    expect((error as Error).message).toMatch(/^Canvas refused the token \(401\): Invalid access token\./);
    expect((error as Error).message).not.toContain(token);
    expect(canvas.requests).toHaveLength(1);
    expect(canvas.messages).toHaveLength(0);
  });
});

describe('timeouts and Retry-After', () => {
  it('retries a request that times out', async () => {
    canvas.failNext(1, 'delay', { ms: 400 });
    const list = await client({ http: { ...FAST, timeoutMs: 100 } }).listStudents(COURSE);
    expect(list).toHaveLength(students.length);
    expect(canvas.requests).toHaveLength(2);
  });

  it('does not wait for a Retry-After beyond maxRetryAfterMs: it reports it instead', async () => {
    canvas.failNext(1, 'rate-limit', { retryAfter: 120 });
    const error = await client({ http: { ...FAST, maxRetryAfterMs: 1_000 } })
      .listStudents(COURSE)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'rate_limited', permanent: false, retryAfterMs: 120_000 });
    expect(canvas.requests).toHaveLength(1);
  });

  it('honours a short Retry-After', async () => {
    canvas.failNext(1, '429', { retryAfter: 0.2 });
    const started = Date.now();
    await client().listStudents(COURSE);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(canvas.requests).toHaveLength(2);
  });
});

describe('per-token serialisation', () => {
  it('runs requests with the same token one at a time, even from two clients', async () => {
    canvas.failNext(6, 'delay', { ms: 20 });
    const a = client();
    const b = client();
    await Promise.all([
      a.sendMessage({ courseId: COURSE, recipientIds: ['101'], subject: 'S', body: '1' }),
      b.sendMessage({ courseId: COURSE, recipientIds: ['102'], subject: 'S', body: '2' }),
      a.listStudents(COURSE),
      b.sendMessage({ courseId: COURSE, recipientIds: ['103'], subject: 'S', body: '3' }),
      a.sendMessage({ courseId: COURSE, recipientIds: ['104'], subject: 'S', body: '4' }),
    ]);

    expect(canvas.maxConcurrency).toBe(1);
    expect(canvas.messages).toHaveLength(4);
  });

  it('lets different tokens run in parallel', async () => {
    const other = await startFakeCanvas({ token: 'another-token-for-parallel-1' });
    other.addCourse(COURSE, students);
    try {
      other.failNext(4, 'delay', { ms: 50 });
      const one = createCanvasClient({ baseUrl: other.baseUrl, token: other.token, http: FAST });
      const two = createCanvasClient({ baseUrl: other.baseUrl, token: 'a-different-token-123456', http: FAST });
      await Promise.allSettled([one.listStudents(COURSE), two.listStudents(COURSE)]);
      expect(other.maxConcurrency).toBe(2);
    } finally {
      await other.close();
    }
  });
});

describe('listStudents', () => {
  it('follows Link rel="next" through every page', async () => {
    const many = await startFakeCanvas();
    many.addCourse(
      'c',
      Array.from({ length: 230 }, (_, i) => ({ id: String(i + 1), name: `N${i}`, email: `n${i}@x.edu` })),
    );
    try {
      const list = await createCanvasClient({ baseUrl: many.baseUrl, token: many.token, http: FAST }).listStudents('c');
      expect(list).toHaveLength(230);
      expect(list[0]).toEqual({ id: '1', name: 'N0', email: 'n0@x.edu' });
      expect(many.requests.map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);
      expect(many.requests[0]?.query).toMatchObject({ enrollment_type: ['student'], per_page: '100' });
    } finally {
      await many.close();
    }
  });

  it('refuses a next link on another host (the token must not follow it)', async () => {
    canvas.addCourse(
      'paged',
      Array.from({ length: 150 }, (_, i) => ({ id: String(9000 + i), name: `P${i}` })),
    );
    canvas.setLinkOrigin('http://evil.example');
    try {
      await expect(client().listStudents('paged')).rejects.toMatchObject({ kind: 'protocol', message: /another host/ });
      expect(canvas.requests).toHaveLength(1);
    } finally {
      canvas.setLinkOrigin(undefined);
    }
  });

  it('maps 404 to a permanent not_found', async () => {
    await expect(client().listStudents('no-such-course')).rejects.toMatchObject({ kind: 'not_found', permanent: true });
  });
});

describe('remedial quiz', () => {
  const questions = [
    {
      name: 'Q1',
      text: '<p>2+2?</p>',
      pointsPossible: 1,
      answers: [
        { text: '4', correct: true },
        { text: '5', correct: false },
      ],
    },
    {
      name: 'Q2',
      text: '<p>Capital of France?</p>',
      pointsPossible: 2,
      answers: [
        { text: 'Lyon', correct: false },
        { text: 'Paris', correct: true },
      ],
    },
  ];

  it('creates a graded quiz with questions, restricts it to exactly the chosen students, and publishes it', async () => {
    const canvasClient = client();
    const quiz = await canvasClient.createQuiz({
      courseId: COURSE,
      title: 'Remedial: gradients',
      description: 'For you',
      quizType: 'assignment',
      allowedAttempts: 2,
      dueAt: '2030-01-01T00:00:00Z',
    });
    expect(quiz).toMatchObject({
      id: expect.any(String),
      assignmentId: expect.any(String),
      htmlUrl: expect.stringContaining('/quizzes/'),
    });
    for (const q of questions)
      await expect(canvasClient.addQuestion(COURSE, quiz.id, q)).resolves.toEqual({ id: expect.any(String) });
    const { overrideId } = await canvasClient.restrictToStudents(COURSE, quiz, ['101', '105'], 'Remedial group');
    await canvasClient.publishQuiz(COURSE, quiz.id);

    const [stored] = canvas.quizzes;
    expect(stored).toMatchObject({
      title: 'Remedial: gradients',
      quizType: 'assignment',
      published: true,
      onlyVisibleToOverrides: true,
      allowedAttempts: 2,
    });
    expect(stored?.questions).toEqual([
      expect.objectContaining({
        name: 'Q1',
        type: 'multiple_choice_question',
        pointsPossible: 1,
        answers: [
          { text: '4', weight: 100 },
          { text: '5', weight: 0 },
        ],
      }),
      expect.objectContaining({
        name: 'Q2',
        pointsPossible: 2,
        answers: [
          { text: 'Lyon', weight: 0 },
          { text: 'Paris', weight: 100 },
        ],
      }),
    ]);
    expect(stored?.overrides).toEqual([
      { id: overrideId, title: 'Remedial group', studentIds: ['101', '105'], via: 'assignment_overrides' },
    ]);
    const created = canvas.requests.find((r) => r.method === 'POST' && r.path.endsWith('/quizzes'));
    expect(created?.form).toMatchObject({ quiz: { published: 'false', only_visible_to_overrides: 'true' } });
  });

  it('restricts a practice quiz (no assignment) through date_details', async () => {
    const canvasClient = client();
    const quiz = await canvasClient.createQuiz({
      courseId: COURSE,
      title: 'Practice',
      description: '',
      quizType: 'practice_quiz',
    });
    expect(quiz.assignmentId).toBeNull();
    await canvasClient.restrictToStudents(COURSE, quiz, ['102'], 'Just one');

    expect(canvas.quizzes[0]?.overrides).toEqual([
      expect.objectContaining({ studentIds: ['102'], title: 'Just one', via: 'date_details' }),
    ]);
    const put = canvas.requests.at(-1);
    expect(put).toMatchObject({ method: 'PUT', path: `/api/v1/courses/${COURSE}/quizzes/${quiz.id}/date_details` });
  });
});

describe('logging', () => {
  it('logs one debug line per attempt, without the token or the query string', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    canvas.failNext(1, '500');
    const canvasClient = client({ log });
    await canvasClient.sendMessage({ courseId: COURSE, recipientIds: ['101'], subject: 'S', body: 'B' });
    await canvasClient.listStudents(COURSE);
    await client({ log, token: 'bad-token-should-not-leak-42' })
      .listStudents(COURSE)
      .catch(() => undefined);

    expect(lines).toHaveLength(4);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed[0]).toMatchObject({
      level: 20,
      lms: 'Canvas',
      method: 'POST',
      path: '/api/v1/conversations',
      status: 500,
      attempt: 1,
    });
    expect(parsed[1]).toMatchObject({ status: 201, attempt: 2, ms: expect.any(Number) });
    expect(parsed[2]).toMatchObject({ method: 'GET', path: `/api/v1/courses/${COURSE}/users`, status: 200 });
    const all = lines.join('\n');
    expect(all).not.toContain(canvas.token);
    expect(all).not.toContain('bad-token-should-not-leak-42');
    expect(all).not.toContain('per_page');
  });
});
