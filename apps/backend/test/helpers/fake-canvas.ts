/**
 * A fake Canvas REST API on loopback (node:http, 127.0.0.1, a free port) for tests, implementing the calls the
 * Canvas client makes with Canvas's documented shapes:
 *
 *   POST /api/v1/conversations                                  one private conversation per recipient
 *                                                               (group_conversation=false), one group conversation
 *                                                               (group_conversation=true), or bulk mode
 *                                                               (group_conversation=true&bulk_message=true: private
 *                                                               per recipient; over 100 recipients answers 202 [])
 *   POST|GET|PUT /api/v1/courses/:c/quizzes[/:q]                quizzes (form `quiz[...]`)
 *   POST|GET /api/v1/courses/:c/quizzes/:q/questions             questions (JSON or form)
 *   POST|GET /api/v1/courses/:c/assignments/:a/overrides         assignment overrides
 *   PUT|GET /api/v1/courses/:c/quizzes/:q/date_details          overrides of a quiz without an assignment (204)
 *   GET  /api/v1/courses/:c/users?enrollment_type[]=student      paged by `per_page` (default 10, max 100) and
 *                                                               `page`, with a `Link` header (rel next/first/last)
 *
 * Every request needs `Authorization: Bearer <token>` (else 401 `{"status":"unauthorized","errors":[...]}`) and
 * a `User-Agent` (else 400). Courses must be seeded with `addCourse`; conversation recipients and override
 * students must be students of the course (else 400 `[{"attribute":…,"message":…}]`).
 *
 *   const canvas = await startFakeCanvas({ token: 'secret-token' });
 *   canvas.addCourse('7', [{ id: '101', name: 'Ada', email: 'ada@example.edu' }]);
 *   canvas.failNext(2, 'rate-limit', { pathPrefix: '/api/v1/conversations' });
 *   ... canvas.messages, canvas.quizzes, canvas.requests, canvas.maxConcurrency ...
 *   await canvas.close();
 *
 * A `delay` longer than the client's timeout behaves like a slow real server: the client gives up, but the fake
 * still handles the request afterwards (a POST then delivers), which is how a retried POST can deliver twice.
 *
 * The fault injection, form parsing and request recording shared with `fake-moodle.ts` are in `fake-lms.ts`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  applyFault,
  ConcurrencyMeter,
  closeServer,
  type FaultKind,
  type FaultOptions,
  FaultQueue,
  parseNestedForm,
  type RecordedLmsRequest,
  readForm,
  sendJson,
  truthy,
  withoutCredentials,
} from './fake-lms.js';

export interface FakeCanvasStudent {
  id: string;
  name: string;
  email?: string;
}

export interface FakeConversation {
  id: string;
  courseId: string;
  /** The students in it (one for a private conversation). */
  recipientIds: string[];
  subject: string;
  body: string;
  private: boolean;
  bulk: boolean;
}

/** One message as a student receives it. */
export interface FakeDeliveredMessage {
  recipientId: string;
  subject: string;
  body: string;
  conversationId: string;
  courseId: string;
}

export interface FakeQuizQuestion {
  id: string;
  name: string;
  text: string;
  type: string;
  pointsPossible: number;
  answers: Array<{ text: string; weight: number }>;
}

export interface FakeOverride {
  id: string;
  title: string;
  studentIds: string[];
  /** Which API created it. */
  via: 'assignment_overrides' | 'date_details';
}

export interface FakeQuiz {
  id: string;
  courseId: string;
  title: string;
  description: string;
  quizType: string;
  published: boolean;
  onlyVisibleToOverrides: boolean;
  allowedAttempts?: number;
  dueAt?: string;
  /** Graded quizzes (`assignment`, `graded_survey`) get one. */
  assignmentId: string | null;
  questions: FakeQuizQuestion[];
  overrides: FakeOverride[];
}

export interface FakeCanvas {
  /** `http://127.0.0.1:PORT`: the client's `baseUrl`. */
  baseUrl: string;
  token: string;
  requests: RecordedLmsRequest[];
  conversations: FakeConversation[];
  /** Every message delivered, one per recipient. */
  messages: FakeDeliveredMessage[];
  quizzes: FakeQuiz[];
  /** The most requests handled at the same time so far. */
  readonly maxConcurrency: number;
  /** Seeds a course and its students (ids as strings). */
  addCourse(id: string, students: FakeCanvasStudent[]): void;
  /** Applies a fault to the next `n` requests (optionally only under `options.pathPrefix`). */
  failNext(n: number, kind: FaultKind, options?: FaultOptions): void;
  /** Paging links point to this origin instead of the fake's own (to test that a client refuses them). */
  setLinkOrigin(origin: string | undefined): void;
  /** Forgets requests, state, faults and the concurrency high-water mark; keeps the courses. */
  reset(): void;
  close(): Promise<void>;
}

type Handler = (ctx: CanvasContext, params: string[]) => void;

interface CanvasContext {
  res: http.ServerResponse;
  url: URL;
  form: Record<string, unknown>;
}

export async function startFakeCanvas(options: { token?: string } = {}): Promise<FakeCanvas> {
  const token = options.token ?? 'canvas-test-token-0123456789';
  const courses = new Map<string, FakeCanvasStudent[]>();
  const faults = new FaultQueue();
  const meter = new ConcurrencyMeter();
  let linkOrigin: string | undefined;
  let nextId = 1000;
  const newId = () => {
    nextId += 1;
    return String(nextId);
  };
  const state = {
    requests: [] as RecordedLmsRequest[],
    conversations: [] as FakeConversation[],
    messages: [] as FakeDeliveredMessage[],
    quizzes: [] as FakeQuiz[],
  };

  const invalid = (res: http.ServerResponse, attribute: string, message: string) =>
    sendJson(res, 400, [{ attribute, message }]);
  const notFound = (res: http.ServerResponse) =>
    sendJson(res, 404, { errors: [{ message: 'The specified resource does not exist.' }] });
  const findQuiz = (courseId: string, quizId: string) =>
    state.quizzes.find((q) => q.courseId === courseId && q.id === quizId);
  const unknownStudents = (courseId: string, ids: string[]) =>
    ids.filter((id) => !courses.get(courseId)?.some((s) => s.id === id));

  const routes: Array<[string, RegExp, Handler]> = [
    [
      'POST',
      /^\/api\/v1\/conversations$/,
      ({ res, form }) => {
        const recipients = (Array.isArray(form.recipients) ? form.recipients : []).map(String);
        const courseId = String(form.context_code ?? '').replace(/^course_/, '');
        if (!form.body) return invalid(res, 'body', 'blank');
        if (recipients.length === 0) return invalid(res, 'recipients', 'blank');
        if (!courses.has(courseId)) return invalid(res, 'context_code', 'invalid context');
        if (unknownStudents(courseId, recipients).length > 0) return invalid(res, 'recipients', 'Invalid recipients');
        const group = truthy(form.group_conversation);
        const bulk = group && truthy(form.bulk_message);
        if (recipients.length > 100 && !bulk)
          return invalid(res, 'recipients', 'too many recipients for a group conversation');
        const base = { courseId, subject: String(form.subject ?? ''), body: String(form.body) };
        const created: FakeConversation[] =
          group && !bulk
            ? [{ id: newId(), ...base, recipientIds: recipients, private: false, bulk: false }]
            : recipients.map((id) => ({ id: newId(), ...base, recipientIds: [id], private: !group, bulk }));
        for (const c of created) {
          state.conversations.push(c);
          for (const r of c.recipientIds) state.messages.push({ recipientId: r, ...base, conversationId: c.id });
        }
        if (recipients.length > 100) return sendJson(res, 202, []); // Canvas sends big batches asynchronously.
        sendJson(
          res,
          201,
          created.map((c) => ({ id: Number(c.id), subject: c.subject, private: c.private, last_message: c.body })),
        );
      },
    ],
    [
      'POST',
      /^\/api\/v1\/courses\/([^/]+)\/quizzes$/,
      ({ res, form }, [courseId = '']) => {
        if (!courses.has(courseId)) return notFound(res);
        const q = (form.quiz ?? {}) as Record<string, unknown>;
        if (!q.title) return sendJson(res, 400, { errors: { title: [{ message: 'title is required' }] } });
        const quizType = String(q.quiz_type ?? 'assignment');
        const quiz: FakeQuiz = {
          id: newId(),
          courseId,
          title: String(q.title),
          description: String(q.description ?? ''),
          quizType,
          published: truthy(q.published),
          onlyVisibleToOverrides: truthy(q.only_visible_to_overrides),
          ...(q.allowed_attempts === undefined ? {} : { allowedAttempts: Number(q.allowed_attempts) }),
          ...(q.due_at === undefined ? {} : { dueAt: String(q.due_at) }),
          assignmentId: quizType === 'assignment' || quizType === 'graded_survey' ? newId() : null,
          questions: [],
          overrides: [],
        };
        state.quizzes.push(quiz);
        sendJson(res, 200, quizJson(quiz, origin()));
      },
    ],
    [
      'GET',
      /^\/api\/v1\/courses\/([^/]+)\/quizzes\/([^/]+)$/,
      ({ res }, [c = '', q = '']) => {
        const quiz = findQuiz(c, q);
        return quiz ? sendJson(res, 200, quizJson(quiz, origin())) : notFound(res);
      },
    ],
    [
      'PUT',
      /^\/api\/v1\/courses\/([^/]+)\/quizzes\/([^/]+)$/,
      ({ res, form }, [c = '', q = '']) => {
        const quiz = findQuiz(c, q);
        if (!quiz) return notFound(res);
        const changes = (form.quiz ?? {}) as Record<string, unknown>;
        if (changes.published !== undefined) quiz.published = truthy(changes.published);
        if (changes.title !== undefined) quiz.title = String(changes.title);
        if (changes.only_visible_to_overrides !== undefined) {
          quiz.onlyVisibleToOverrides = truthy(changes.only_visible_to_overrides);
        }
        sendJson(res, 200, quizJson(quiz, origin()));
      },
    ],
    [
      'POST',
      /^\/api\/v1\/courses\/([^/]+)\/quizzes\/([^/]+)\/questions$/,
      ({ res, form }, [c = '', q = '']) => {
        const quiz = findQuiz(c, q);
        if (!quiz) return notFound(res);
        const question = (form.question ?? {}) as Record<string, unknown>;
        const rawAnswers = question.answers ?? [];
        const answers = (Array.isArray(rawAnswers) ? rawAnswers : Object.values(rawAnswers as object)) as Array<
          Record<string, unknown>
        >;
        const created: FakeQuizQuestion = {
          id: newId(),
          name: String(question.question_name ?? ''),
          text: String(question.question_text ?? ''),
          type: String(question.question_type ?? 'text_only_question'),
          pointsPossible: Number(question.points_possible ?? 0),
          answers: answers.map((a) => ({ text: String(a.answer_text ?? ''), weight: Number(a.answer_weight ?? 0) })),
        };
        quiz.questions.push(created);
        sendJson(res, 200, questionJson(quiz, created));
      },
    ],
    [
      'GET',
      /^\/api\/v1\/courses\/([^/]+)\/quizzes\/([^/]+)\/questions$/,
      ({ res }, [c = '', q = '']) => {
        const quiz = findQuiz(c, q);
        return quiz
          ? sendJson(
              res,
              200,
              quiz.questions.map((x) => questionJson(quiz, x)),
            )
          : notFound(res);
      },
    ],
    [
      'POST',
      /^\/api\/v1\/courses\/([^/]+)\/assignments\/([^/]+)\/overrides$/,
      ({ res, form }, [c = '', a = '']) => {
        const quiz = state.quizzes.find((x) => x.courseId === c && x.assignmentId === a);
        if (!quiz) return notFound(res);
        const o = (form.assignment_override ?? {}) as Record<string, unknown>;
        const studentIds = (Array.isArray(o.student_ids) ? o.student_ids : []).map(String);
        if (studentIds.length === 0 || unknownStudents(c, studentIds).length > 0) {
          return sendJson(res, 400, {
            errors: { assignment_override_students: [{ attribute: 'student_ids', message: 'invalid student ids' }] },
          });
        }
        const override: FakeOverride = {
          id: newId(),
          title: String(o.title ?? ''),
          studentIds,
          via: 'assignment_overrides',
        };
        quiz.overrides.push(override);
        sendJson(res, 201, overrideJson(override, a));
      },
    ],
    [
      'GET',
      /^\/api\/v1\/courses\/([^/]+)\/assignments\/([^/]+)\/overrides$/,
      ({ res }, [c = '', a = '']) => {
        const quiz = state.quizzes.find((x) => x.courseId === c && x.assignmentId === a);
        return quiz
          ? sendJson(
              res,
              200,
              quiz.overrides.map((o) => overrideJson(o, a)),
            )
          : notFound(res);
      },
    ],
    [
      'PUT',
      /^\/api\/v1\/courses\/([^/]+)\/quizzes\/([^/]+)\/date_details$/,
      ({ res, form }, [c = '', q = '']) => {
        const quiz = findQuiz(c, q);
        if (!quiz) return notFound(res);
        if (form.only_visible_to_overrides !== undefined)
          quiz.onlyVisibleToOverrides = truthy(form.only_visible_to_overrides);
        if (Array.isArray(form.assignment_overrides)) {
          const list = form.assignment_overrides as Array<Record<string, unknown>>;
          const ids = list.flatMap((o) => (Array.isArray(o.student_ids) ? o.student_ids.map(String) : []));
          if (unknownStudents(c, ids).length > 0)
            return sendJson(res, 400, { errors: [{ message: 'invalid student ids' }] });
          // Canvas: overrides left out of the list are deleted.
          quiz.overrides = list.map((o) => ({
            id: newId(),
            title: String(o.title ?? ''),
            via: 'date_details',
            studentIds: Array.isArray(o.student_ids) ? o.student_ids.map(String) : [],
          }));
        }
        res.writeHead(204).end();
      },
    ],
    [
      'GET',
      /^\/api\/v1\/courses\/([^/]+)\/quizzes\/([^/]+)\/date_details$/,
      ({ res }, [c = '', q = '']) => {
        const quiz = findQuiz(c, q);
        if (!quiz) return notFound(res);
        sendJson(res, 200, {
          id: Number(quiz.id),
          only_visible_to_overrides: quiz.onlyVisibleToOverrides,
          overrides: quiz.overrides.map((o) => overrideJson(o, quiz.assignmentId)),
        });
      },
    ],
    [
      'GET',
      /^\/api\/v1\/courses\/([^/]+)\/users$/,
      ({ res, url }, [courseId = '']) => {
        const students = courses.get(courseId);
        if (!students) return notFound(res);
        const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 10) || 10));
        const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
        const pages = Math.max(1, Math.ceil(students.length / perPage));
        const slice = students.slice((page - 1) * perPage, page * perPage);
        const link = (p: number, rel: string) => {
          const target = new URL(url.pathname + url.search, linkOrigin ?? origin());
          target.searchParams.set('page', String(p));
          return `<${target.toString()}>; rel="${rel}"`;
        };
        const links = [
          link(page, 'current'),
          ...(page < pages ? [link(page + 1, 'next')] : []),
          link(1, 'first'),
          link(pages, 'last'),
        ];
        sendJson(
          res,
          200,
          slice.map((s) => ({
            id: numeric(s.id),
            name: s.name,
            sortable_name: s.name,
            short_name: s.name,
            ...(s.email ? { email: s.email } : {}),
          })),
          { Link: links.join(',') },
        );
      },
    ],
  ];

  const server = http.createServer(async (req, res) => {
    meter.track(res);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const form = await readForm(req);
    const authorized = req.headers.authorization === `Bearer ${token}`;
    const record: RecordedLmsRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: parseNestedForm(url.searchParams),
      form,
      headers: withoutCredentials(req.headers),
      authorized,
    };
    state.requests.push(record);
    const fault = faults.take(url.pathname);
    if (fault) {
      record.fault = fault.kind;
      const done = await applyFault(fault, req, res, (r, headers) =>
        r
          .writeHead(403, { 'content-type': 'text/plain', 'x-rate-limit-remaining': '0', ...headers })
          .end('403 Forbidden (Rate Limit Exceeded)'),
      );
      if (done) return;
    }
    if (!req.headers['user-agent'])
      return sendJson(res, 400, { errors: [{ message: 'A User-Agent header is required' }] });
    if (!authorized) {
      return sendJson(res, 401, { status: 'unauthorized', errors: [{ message: 'Invalid access token.' }] });
    }
    for (const [method, pattern, handler] of routes) {
      const match = req.method === method ? pattern.exec(url.pathname) : null;
      if (match) return handler({ res, url, form: form ?? {} }, match.slice(1).map(decodeURIComponent));
    }
    notFound(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = () => `http://127.0.0.1:${port}`;

  return {
    baseUrl: origin(),
    token,
    ...state,
    get maxConcurrency() {
      return meter.max;
    },
    addCourse: (id, students) => {
      courses.set(id, [...(courses.get(id) ?? []), ...students]);
    },
    failNext: (n, kind, options) => faults.add(n, kind, options),
    setLinkOrigin: (value) => {
      linkOrigin = value;
    },
    reset: () => {
      for (const list of Object.values(state)) list.length = 0;
      faults.clear();
      meter.max = meter.current;
    },
    close: () => closeServer(server),
  };
}

function quizJson(quiz: FakeQuiz, origin: string) {
  return {
    id: Number(quiz.id),
    title: quiz.title,
    description: quiz.description,
    quiz_type: quiz.quizType,
    published: quiz.published,
    only_visible_to_overrides: quiz.onlyVisibleToOverrides,
    allowed_attempts: quiz.allowedAttempts ?? 1,
    due_at: quiz.dueAt ?? null,
    assignment_id: quiz.assignmentId === null ? null : Number(quiz.assignmentId),
    question_count: quiz.questions.length,
    html_url: `${origin}/courses/${quiz.courseId}/quizzes/${quiz.id}`,
  };
}

function questionJson(quiz: FakeQuiz, q: FakeQuizQuestion) {
  return {
    id: Number(q.id),
    quiz_id: Number(quiz.id),
    question_name: q.name,
    question_text: q.text,
    question_type: q.type,
    points_possible: q.pointsPossible,
    answers: q.answers.map((a, i) => ({ id: i + 1, text: a.text, weight: a.weight })),
  };
}

function overrideJson(o: FakeOverride, assignmentId: string | null) {
  return {
    id: Number(o.id),
    assignment_id: assignmentId === null ? null : Number(assignmentId),
    title: o.title,
    student_ids: o.studentIds.map(numeric),
  };
}

/** Canvas ids are JSON numbers; ids that are not numeric stay strings. */
function numeric(id: string): number | string {
  return /^\d+$/.test(id) ? Number(id) : id;
}

export type { FaultKind, FaultOptions, RecordedLmsRequest } from './fake-lms.js';
