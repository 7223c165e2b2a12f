/**
 * The study-help provider seam: quizzes and re-explanations. The offline provider (ai/offline-provider.ts) builds
 * them from the course's own notes; the OpenAI-compatible provider (ai/openai-provider.ts) has a model write them,
 * and ai/study-provider.ts picks one from config. Results say which provider made them (`source`).
 */
import type { ExplainPassage } from '../domain/study/offline-explain.js';
import type { OfflineQuizQuestion, StudySlide } from '../domain/study/offline-quiz.js';

export type StudySource = 'offline' | 'openai';

export interface QuizRequest {
  /** The focus slides, most relevant first. */
  slides: readonly StudySlide[];
  /** Every slide of the course (for distractors). */
  courseSlides: readonly StudySlide[];
  count: number;
  seed: string;
}

export interface QuizResult {
  topics: string[];
  questions: OfflineQuizQuestion[];
  shortfall?: string;
  source: StudySource;
}

export interface ExplainRequest {
  topic: string;
  passages: readonly ExplainPassage[];
}

export interface ExplainResult {
  topic: string;
  /** Markdown. */
  explanation: string;
  sources: Array<{ slide_id: string; title: string }>;
  source: StudySource;
}

export interface StudyProvider {
  quiz(input: QuizRequest): Promise<QuizResult>;
  explain(input: ExplainRequest): Promise<ExplainResult>;
}
