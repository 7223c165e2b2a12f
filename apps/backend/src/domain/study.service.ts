/**
 * Study help: generate_quiz and explain_topic. The domain picks the slides (from the student's confusion, the lecture's
 * progress or a search of the course material) and stores quizzes; the study provider (ai/provider.ts) writes the
 * questions and explanations — offline from the notes unless another provider is configured.
 */

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { type Actor, assertActingAs, assertInstructor } from '../access/actor.js';
import { offlineStudyProvider } from '../ai/offline-provider.js';
import type { StudyProvider, StudySource } from '../ai/provider.js';
import { type CourseTx, courseOf, inCourse } from '../db/course-scope.js';
import { currentSlideId, listSlides, type SlideRow, touchMember } from './course.repository.js';
import type { DomainDeps } from './deps.js';
import { confusionZones, searchSlides } from './retrieval.repository.js';
import type { OfflineQuizQuestion } from './study/offline-quiz.js';
import { isUuid } from './uuid.js';

export const QUIZ_QUESTIONS = 5;
/** How many slides a quiz draws on when the focus does not say. */
const FOCUS_SLIDES = 3;

/** A quiz question as stored and answered (the generators' shape). */
export type QuizQuestion = OfflineQuizQuestion;

export interface GenerateQuizInput {
  user_id: string;
  course_id: string;
  focus?: string;
}

export interface GenerateQuizResult {
  quiz_id: string;
  focus: string;
  topics: string[];
  questions: QuizQuestion[];
  source: StudySource;
  /** Present when fewer than five questions could be made, there was nothing to ask about, or the model was
   * unavailable and the questions were made from the notes instead. */
  message?: string;
}

export interface ExplainTopicInput {
  user_id: string;
  course_id: string;
  topic: string;
}

export interface ExplainTopicResult {
  topic: string;
  explanation: string;
  sources: Array<{ slide_id: string; title: string }>;
  source: StudySource;
}

const provider = (deps: DomainDeps): StudyProvider => deps.study ?? offlineStudyProvider;

const toStudySlide = (s: SlideRow) => ({
  id: s.id,
  position: s.from_material ? s.position : undefined,
  title: s.title || s.id,
  topic: s.topic,
  notes: s.notes,
});

/**
 * A five-question quiz, stored for export. `focus`: `confusion-zones` (default) — the slides the student was confused
 * on, most relevant first, else the course's most confused slides, else its first slides; `recent-topics` — the
 * current slide and the ones before it; anything else is read as topics and searched in the course material (falling
 * back to the confusion zones when nothing matches).
 */
export async function generateQuiz(
  deps: DomainDeps,
  actor: Actor,
  input: GenerateQuizInput,
): Promise<GenerateQuizResult> {
  assertActingAs(actor, input.course_id, input.user_id);
  await inCourse(deps.db, input.course_id, (tx) => touchMember(tx, input.course_id, input.user_id, deps.clock()));
  return makeQuiz(deps, actor, { course_id: input.course_id, user_id: input.user_id, focus: input.focus });
}

/**
 * Makes and stores a quiz: for a student (as themself), or without a user (an instructor's remedial quiz, where
 * `confusion-zones` means the course's most confused slides).
 */
export async function makeQuiz(
  deps: DomainDeps,
  actor: Actor,
  input: { course_id: string; user_id: string | null; focus?: string },
): Promise<GenerateQuizResult> {
  if (input.user_id === null) assertInstructor(actor, input.course_id);
  else assertActingAs(actor, input.course_id, input.user_id);
  const focus = (input.focus ?? '').trim() || 'confusion-zones';
  const quizId = randomUUID();
  // The model may take seconds: the slides are read in one transaction and the quiz stored in another, so no
  // database connection waits on it.
  const { all, chosen } = await inCourse(deps.db, input.course_id, async (tx) => {
    const slides = (await listSlides(tx, input.course_id)).filter((s) => s.notes.trim() !== '');
    return { all: slides, chosen: await focusSlides(tx, input, focus, slides) };
  });
  const quiz = await provider(deps).quiz({
    slides: chosen.map(toStudySlide),
    courseSlides: all.map(toStudySlide),
    count: QUIZ_QUESTIONS,
    seed: quizId,
  });
  const questions: QuizQuestion[] = quiz.questions.map((q) => ({
    id: q.id,
    prompt: q.prompt,
    choices: [...q.choices],
    answer_index: q.answer_index,
    explanation: q.explanation,
    slide_id: q.slide_id,
  }));
  await inCourse(deps.db, input.course_id, (tx) =>
    tx
      .insertInto('quizzes')
      .values({
        id: quizId,
        course_id: input.course_id,
        user_id: input.user_id,
        focus,
        topics: quiz.topics,
        questions: JSON.stringify(questions),
        source: quiz.source,
      })
      .execute(),
  );
  const result: GenerateQuizResult = { quiz_id: quizId, focus, topics: quiz.topics, questions, source: quiz.source };
  if (all.length === 0) result.message = 'This course has no notes yet, so there is nothing to quiz you on.';
  else if (quiz.shortfall) result.message = quiz.shortfall;
  return result;
}

async function focusSlides(
  tx: CourseTx,
  input: { course_id: string; user_id: string | null },
  focus: string,
  all: readonly SlideRow[],
): Promise<SlideRow[]> {
  const byId = new Map(all.map((s) => [s.id, s]));
  const pick = (ids: readonly string[]) =>
    [...new Set(ids)].map((id) => byId.get(id)).filter((s): s is SlideRow => s !== undefined);

  if (focus === 'recent-topics') {
    const current = await currentSlideId(tx, input.course_id);
    const at = all.findIndex((s) => s.id === current);
    const upTo = at >= 0 ? all.slice(0, at + 1) : all.slice(0, 1);
    return upTo.reverse().slice(0, FOCUS_SLIDES);
  }
  if (focus !== 'confusion-zones') {
    const hits = pick((await searchSlides(tx, input.course_id, focus, FOCUS_SLIDES)).map((h) => h.id));
    if (hits.length > 0) return hits;
  }
  if (input.user_id !== null) {
    const zones = pick((await confusionZones(tx, input.course_id, input.user_id, 5)).slides.map((z) => z.slide_id));
    if (zones.length > 0) return zones;
  }
  const { rows } = await sql<{ slide_id: string }>`
    SELECT slide_id FROM confusion_events
    WHERE course_id = ${input.course_id} AND slide_id IS NOT NULL
    GROUP BY slide_id
    ORDER BY count(DISTINCT user_id) DESC, count(*) DESC, max(occurred_at) DESC, slide_id
    LIMIT 20`.execute(tx);
  const course = pick(rows.map((r) => r.slide_id)).slice(0, FOCUS_SLIDES);
  return course.length > 0 ? course : all.slice(0, FOCUS_SLIDES);
}

/** Re-explains `topic` from the course material, citing the slides; says so when the material does not cover it. */
export async function explainTopic(
  deps: DomainDeps,
  actor: Actor,
  input: ExplainTopicInput,
): Promise<ExplainTopicResult> {
  assertActingAs(actor, input.course_id, input.user_id);
  const hits = await inCourse(deps.db, input.course_id, async (tx) => {
    await touchMember(tx, input.course_id, input.user_id, deps.clock());
    const found = await searchSlides(tx, input.course_id, input.topic, 5);
    // websearch_to_tsquery requires every word; a looser "or" query finds the closest slides for the answer.
    const words = input.topic.split(/\s+/).filter((w) => /\w/.test(w));
    if (found.length > 0 || words.length < 2) return found;
    return searchSlides(tx, input.course_id, words.join(' or '), 5);
  });
  // Outside the transaction: the model may take seconds.
  const result = await provider(deps).explain({
    topic: input.topic,
    passages: hits.map((h) => ({
      slide_id: h.id,
      title: h.title || h.id,
      topic: h.topic,
      notes: h.notes,
      rank: h.rank,
    })),
  });
  return { topic: result.topic, explanation: result.explanation, sources: result.sources, source: result.source };
}

/** A stored quiz, for export. */
export interface StoredQuiz {
  id: string;
  course_id: string;
  focus: string;
  topics: string[];
  questions: QuizQuestion[];
  created_at: Date;
}

/**
 * The quiz with this id, for an instructor of its course or the service; undefined when there is none. Another
 * course's member gets not_found, a student of the course forbidden.
 */
export async function findQuiz(deps: DomainDeps, actor: Actor, quizId: string): Promise<StoredQuiz | undefined> {
  if (!isUuid(quizId)) return undefined;
  const courseId = await courseOf(deps.db, 'quiz', quizId);
  if (!courseId) return undefined;
  assertInstructor(actor, courseId); // another course's quiz: not_found, as one that never was
  const row = await inCourse(deps.db, courseId, (tx) =>
    tx
      .selectFrom('quizzes')
      .select(['id', 'course_id', 'focus', 'topics', 'questions', 'created_at'])
      .where('id', '=', quizId)
      .executeTakeFirst(),
  );
  return row ? { ...row, questions: row.questions as QuizQuestion[] } : undefined;
}
