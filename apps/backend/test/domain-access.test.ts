/**
 * The domain checks access itself, whatever the transport: every domain operation that takes an actor is called
 * directly — no HTTP, MCP or ChatKit in front of it — as a student of the course, as an instructor of another course
 * and as an instructor of the course. A student is refused the instructors' operations (forbidden) and acting as
 * another student; another course's instructor finds nothing (not_found: "missing" and "forbidden" look the same);
 * the course's instructor is not refused. Inputs are chosen so that a missing check shows: where a check guards work
 * that would fail anyway (parsing a broken file), the failure it would let through is a different one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/access/actor.js';
import { deriveKey } from '../src/auth/secret-box.js';
import { createTokenService } from '../src/auth/tokens.js';
import { trackConfusion } from '../src/domain/confusion.service.js';
import { deleteUser, purgeCourse } from '../src/domain/data-retention.service.js';
import type { DomainDeps } from '../src/domain/deps.js';
import { exportConfusionData } from '../src/domain/export.service.js';
import { issueExportLink } from '../src/domain/export-link.service.js';
import { getHeatmap } from '../src/domain/heatmap.service.js';
import {
  assignRemedialQuiz,
  getIntervention,
  latestCourseIntervention,
  notifyStudents,
} from '../src/domain/intervention.service.js';
import { previewNotification, previewRemedialQuiz } from '../src/domain/intervention-preview.service.js';
import { deleteLmsConnection, getLmsConnection, setLmsConnection } from '../src/domain/lms-connection.service.js';
import { importLectureFile, importMaterial } from '../src/domain/material.service.js';
import { fetchNotes } from '../src/domain/notes.service.js';
import { submitQuestion } from '../src/domain/questions.service.js';
import {
  answerQuizQuestion,
  loadQuizAttempt,
  quizImprovement,
  startQuizAttempt,
} from '../src/domain/quiz-attempt.service.js';
import { loadRoster } from '../src/domain/roster.service.js';
import { setCurrentSlide } from '../src/domain/slides.service.js';
import { explainTopic, findQuiz, generateQuiz, makeQuiz } from '../src/domain/study.service.js';
import { AppError } from '../src/errors.js';
import { nextQuizQuestion } from '../src/widget/quiz-step.js';
import { addSlides, buildTestApp, DEMO_LECTURE, type TestApp, uniqueId } from './helpers/app.js';

let t: TestApp;
let deps: DomainDeps;
const A = uniqueId('course-a');
const B = uniqueId('course-b');
const STUDENT = `${A}-student`;
const OTHER_STUDENT = `${A}-other`;
let quizId: string;
let attemptId: string;
let questionId: string;
let interventionId: string;

const student: Actor = { kind: 'member', userId: STUDENT, courseId: A, role: 'student' };
const strangerInstructor: Actor = { kind: 'member', userId: `${B}-prof`, courseId: B, role: 'instructor' };
const instructor: Actor = { kind: 'member', userId: `${A}-prof`, courseId: A, role: 'instructor' };
const service: Actor = { kind: 'service' };

beforeAll(async () => {
  t = await buildTestApp();
  deps = {
    db: t.db,
    pool: t.pool,
    classroom: t.config.classroom,
    clock: t.clock,
    tokens: createTokenService(t.config.sessionSecret, t.clock),
    lms: {
      settings: t.config.lms,
      tokenKey: deriveKey(t.config.sessionSecret, 'lms-token-encryption'),
      outbox: t.app.outbox,
    },
  };
  await addSlides(t.pool, A, DEMO_LECTURE.slice(0, 4));
  await addSlides(t.pool, B, DEMO_LECTURE.slice(0, 2));
  await trackConfusion(deps, service, { user_id: STUDENT, course_id: A, slide_id: 'slide-2' });
  const quiz = await generateQuiz(deps, service, { user_id: STUDENT, course_id: A });
  quizId = quiz.quiz_id;
  questionId = quiz.questions[0]?.id ?? '';
  attemptId = (await startQuizAttempt(deps, service, { course_id: A, user_id: STUDENT, quiz_id: quizId })).attempt_id;
  // A connection to an LMS nobody serves: the intervention is stored and queued (its delivery fails later).
  await setLmsConnection(deps, service, A, {
    kind: 'canvas',
    base_url: 'http://127.0.0.1:9',
    token: 'token',
    lms_course_id: '1',
  });
  await loadRoster(deps, service, A, [{ user_id: STUDENT, lms_user_id: '101', name: 'Student', role: 'student' }]);
  interventionId = (
    await notifyStudents(deps, service, { course_id: A, recipient_filter: 'all_students', message: 'Hello' })
  ).intervention_id;
}, 60_000);
afterAll(async () => {
  await t?.close();
});

type Call = (actor: Actor) => Promise<unknown>;

/** The rows a refused call must not have touched: every table a domain operation writes. */
const TABLES = [
  'courses',
  'users',
  'enrollments',
  'slides',
  'confusion_events',
  'questions',
  'quizzes',
  'quiz_attempts',
  'quiz_answers',
  'lms_connections',
  'interventions',
  'intervention_recipients',
];
async function footprint(): Promise<string> {
  const counts = await Promise.all(
    TABLES.map(async (table) => {
      // The outbox works the intervention queued in beforeAll meanwhile, updating its rows: of those, the count.
      const version = table.startsWith('intervention') ? '0' : 'coalesce(max(xmin::text::bigint), 0)';
      const { rows } = await t.pool.query(`SELECT count(*)::int AS n, ${version} AS x FROM ${table}`);
      return `${table}=${rows[0].n}@${rows[0].x}`;
    }),
  );
  return counts.join(' ');
}

/** Runs a call that must be refused, and checks it changed nothing before it was. */
async function refused(call: Call, actor: Actor): Promise<string> {
  const before = await footprint();
  const code = await outcome(call, actor);
  expect(await footprint(), 'a refused call wrote to the database').toBe(before);
  return code;
}

/** Runs `call` and returns the AppError code it failed with, or 'ok'. */
async function outcome(call: Call, actor: Actor): Promise<string> {
  try {
    const result = await call(actor);
    const stream = result as { close?: () => Promise<void>; chunks?: unknown } | undefined;
    if (stream?.chunks && stream.close) await stream.close();
    return 'ok';
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

const lecture = { title: '', slides: [{ id: 'slide-1', title: 'One', topic: 'one', notes: 'One is a number.' }] };

/** Instructor-only operations of course A. */
const INSTRUCTOR_ONLY: Record<string, Call> = {
  getHeatmap: (actor) => getHeatmap(deps, actor, { course_id: A }),
  exportConfusionData: (actor) => exportConfusionData(deps, actor, { course_id: A }),
  notifyStudents: (actor) =>
    notifyStudents(deps, actor, { course_id: A, recipient_filter: 'all_students', message: 'Again' }),
  assignRemedialQuiz: (actor) => assignRemedialQuiz(deps, actor, { course_id: A, quiz_type: 'remedial' }),
  getIntervention: (actor) => getIntervention(deps, actor, interventionId),
  latestCourseIntervention: (actor) => latestCourseIntervention(deps, actor, A),
  previewNotification: (actor) =>
    previewNotification(deps, actor, { course_id: A, recipient_filter: 'all_students', message: 'Hi' }),
  previewRemedialQuiz: (actor) => previewRemedialQuiz(deps, actor, { course_id: A, quiz_type: 'remedial' }),
  makeQuiz: (actor) => makeQuiz(deps, actor, { course_id: A, user_id: null }),
  // A lookup that answers "nothing" for a stranger is as good as not_found.
  findQuiz: async (actor) => {
    if (!(await findQuiz(deps, actor, quizId))) throw new AppError('not_found', 'no quiz');
  },
  issueExportLink: (actor) => issueExportLink(deps, actor, { course_id: A, format: 'csv' }),
  setCurrentSlide: (actor) => setCurrentSlide(deps, actor, A, DEMO_LECTURE[2]?.id ?? ''),
  quizImprovementOfCourse: (actor) => quizImprovement(deps, actor, A),
  getLmsConnection: (actor) => getLmsConnection(deps, actor, A),
  loadRoster: (actor) =>
    loadRoster(deps, actor, A, [{ user_id: STUDENT, lms_user_id: '101', name: 'Student', role: 'student' }]),
  importMaterial: (actor) => importMaterial(deps, actor, `${A}`, { ...lecture, slides: [] }),
  // A broken file: without the check first, the parser's validation_failed would show instead.
  importLectureFile: (actor) => importLectureFile(deps, actor, A, 'pdf', Buffer.from('not a pdf')),
};

/** What the course's own instructor may get instead of success: the operation ran and met a real condition. */
const INSTRUCTOR_MAY_GET: Record<string, string[]> = {
  // no slides given, and a broken file: refused for what they are
  importMaterial: ['validation_failed'],
  importLectureFile: ['validation_failed'],
};

/** A student's own operations in course A, as themself (allowed) or naming another student (forbidden). */
const STUDENT_OWN: Record<string, (userId: string) => Call> = {
  trackConfusion: (userId) => (actor) => trackConfusion(deps, actor, { user_id: userId, course_id: A }),
  submitQuestion: (userId) => (actor) =>
    submitQuestion(deps, actor, { user_id: userId, course_id: A, question_body: 'Why?' }),
  generateQuiz: (userId) => (actor) => generateQuiz(deps, actor, { user_id: userId, course_id: A }),
  explainTopic: (userId) => (actor) => explainTopic(deps, actor, { user_id: userId, course_id: A, topic: 'loss' }),
  fetchNotes: (userId) => (actor) => fetchNotes(deps, actor, { user_id: userId, course_id: A }),
  startQuizAttempt: (userId) => (actor) =>
    startQuizAttempt(deps, actor, { course_id: A, user_id: userId, quiz_id: quizId }),
  makeQuizForStudent: (userId) => (actor) => makeQuiz(deps, actor, { course_id: A, user_id: userId }),
  quizImprovementOfStudent: (userId) => (actor) => quizImprovement(deps, actor, A, userId),
};

/** Operations on the student's own attempt: the student and the course's instructor reach it, strangers do not. */
const ATTEMPT: Record<string, Call> = {
  loadQuizAttempt: (actor) => loadQuizAttempt(deps, actor, A, attemptId),
  answerQuizQuestion: (actor) =>
    answerQuizQuestion(deps, actor, { course_id: A, attempt_id: attemptId, question_id: questionId, choice_index: 0 }),
  nextQuizQuestion: (actor) => nextQuizQuestion(deps, actor, { course_id: A, attempt_id: attemptId }),
};

describe('instructor-only domain operations', () => {
  describe.each(Object.entries(INSTRUCTOR_ONLY))('%s', (name, call) => {
    it('refuses a student of the course', async () => {
      expect(await refused(call, student)).toBe('forbidden');
    });
    it('finds nothing for an instructor of another course', async () => {
      expect(await refused(call, strangerInstructor)).toBe('not_found');
    });
    it('runs for the course’s instructor', async () => {
      expect(['ok', ...(INSTRUCTOR_MAY_GET[name] ?? [])]).toContain(await outcome(call, instructor));
    });
  });
});

describe('a student’s own domain operations', () => {
  describe.each(Object.entries(STUDENT_OWN))('%s', (_name, call) => {
    it('runs for the student as themself', async () => {
      expect(await outcome(call(STUDENT), student)).toBe('ok');
    });
    it('refuses the student acting as another student', async () => {
      expect(await refused(call(OTHER_STUDENT), student)).toBe('forbidden');
    });
    it('finds nothing for an instructor of another course', async () => {
      expect(await refused(call(STUDENT), strangerInstructor)).toBe('not_found');
    });
  });
});

describe('a quiz attempt', () => {
  describe.each(Object.entries(ATTEMPT))('%s', (_name, call) => {
    it('is reached by the student who took it', async () => {
      expect(await outcome(call, student)).toBe('ok');
    });
    it('is not found by another student of the course, nor by another course’s instructor', async () => {
      const other: Actor = { kind: 'member', userId: OTHER_STUDENT, courseId: A, role: 'student' };
      expect(await outcome(call, other)).toBe('not_found');
      expect(await refused(call, strangerInstructor)).toBe('not_found');
    });
  });
});

describe('operator-only operations', () => {
  it.each([
    ['deleteUser', (actor: Actor) => deleteUser(deps, actor, { user_id: OTHER_STUDENT })],
    ['purgeCourse', (actor: Actor) => purgeCourse(deps, actor, { course_id: B, before: new Date(0) })],
    ['deleteLmsConnection', (actor: Actor) => deleteLmsConnection(deps, actor, B)],
    [
      'setLmsConnection',
      (actor: Actor) =>
        setLmsConnection(deps, actor, B, {
          kind: 'canvas',
          base_url: 'http://127.0.0.1:9',
          token: 't',
          lms_course_id: '2',
        }),
    ],
  ])('%s refuses every member, the course’s instructor included, and runs for the service', async (_name, call) => {
    const bInstructor: Actor = { kind: 'member', userId: `${B}-prof`, courseId: B, role: 'instructor' };
    const bStudent: Actor = { kind: 'member', userId: `${B}-s`, courseId: B, role: 'student' };
    expect(await refused(call, bStudent)).toBe('forbidden');
    expect(await refused(call, bInstructor)).toBe('forbidden');
    expect(await outcome(call, service)).not.toBe('forbidden');
  });
});
