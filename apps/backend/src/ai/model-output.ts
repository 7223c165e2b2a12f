/**
 * Checks what the study model answered and maps it to the providers' shapes (the offline provider's): a model's
 * output is trusted only after it parses, follows the schema of ai/prompts.ts and cites only the slides it was given.
 * Anything else is a StudyModelError, so the caller can fall back to the offline provider.
 */
import type { OfflineQuizQuestion } from '../domain/study/offline-quiz.js';
import type { ExplainRequest, ExplainResult, QuizRequest, QuizResult } from './provider.js';

/** Why the model path gave no usable answer; `reason` is a short stable word for logs. */
export class StudyModelError extends Error {
  constructor(
    readonly reason:
      | 'refusal'
      | 'invalid_output'
      | 'truncated'
      | 'timeout'
      | 'unreachable'
      | 'rate_limited'
      | 'server_error'
      | 'rejected',
    message: string,
  ) {
    super(message);
    this.name = 'StudyModelError';
  }
}

const CHOICES = 4;

/** The quiz in `content` (the model's JSON text), checked against `input`. */
export function readQuiz(content: string, input: QuizRequest): Omit<QuizResult, 'source'> {
  const value = parse(content);
  const given = new Set(input.slides.map((s) => s.id));
  if (!Array.isArray(value.questions)) invalid('questions is not a list');
  const questions = value.questions.slice(0, input.count).map((raw, index): OfflineQuizQuestion => {
    const at = `question ${index + 1}`;
    const q = object(raw, at);
    const prompt = text(q.prompt, `${at}: prompt`);
    const explanation = text(q.explanation, `${at}: explanation`);
    if (!Array.isArray(q.choices) || q.choices.length !== CHOICES) invalid(`${at}: not exactly ${CHOICES} choices`);
    const choices = q.choices.map((c, i) => text(c, `${at}: choice ${i + 1}`));
    if (new Set(choices.map((c) => c.toLowerCase())).size !== CHOICES) invalid(`${at}: choices are not distinct`);
    const answer = q.answer_index;
    if (typeof answer !== 'number' || !Number.isInteger(answer) || answer < 0 || answer >= CHOICES) {
      invalid(`${at}: answer_index ${JSON.stringify(answer)} is not 0 to ${CHOICES - 1}`);
    }
    if (typeof q.slide_id !== 'string' || !given.has(q.slide_id)) {
      invalid(`${at}: slide_id ${JSON.stringify(q.slide_id)} is not one of the given slides`);
    }
    return { id: `q${index + 1}`, prompt, choices, answer_index: answer, explanation, slide_id: q.slide_id };
  });
  if (questions.length === 0) invalid('no questions');
  const topics = Array.isArray(value.topics)
    ? value.topics.filter((t): t is string => typeof t === 'string' && t.trim() !== '').map((t) => t.trim())
    : [];
  const quiz: Omit<QuizResult, 'source'> = {
    topics: topics.length > 0 ? [...new Set(topics)] : focusTopics(input),
    questions,
  };
  if (questions.length < input.count) {
    quiz.shortfall = `Only ${questions.length} of ${input.count} questions: the notes of these slides hold too few distinct statements.`;
  }
  return quiz;
}

/** The explanation in `content` (the model's JSON text); its sources are the given passages it cites. */
export function readExplanation(content: string, input: ExplainRequest): Omit<ExplainResult, 'source'> {
  const value = parse(content);
  const explanation = text(value.explanation, 'explanation');
  if (!Array.isArray(value.slide_ids)) invalid('slide_ids is not a list');
  const byId = new Map(input.passages.map((p) => [p.slide_id, p]));
  const sources = [...new Set(value.slide_ids)].map((id) => {
    const passage = typeof id === 'string' ? byId.get(id) : undefined;
    if (!passage) invalid(`slide_ids: ${JSON.stringify(id)} is not one of the given slides`);
    return { slide_id: passage.slide_id, title: passage.title };
  });
  return { topic: input.topic.trim().replace(/\s+/g, ' '), explanation, sources };
}

function focusTopics(input: QuizRequest): string[] {
  return [...new Set(input.slides.map((s) => (s.topic ?? s.title).trim()).filter(Boolean))];
}

function parse(content: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    invalid('the answer is not JSON');
  }
  return object(value, 'the answer');
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) invalid(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') invalid(`${what} is empty`);
  return value.trim();
}

function invalid(why: string): never {
  throw new StudyModelError('invalid_output', `The model's answer is not usable: ${why}`);
}
