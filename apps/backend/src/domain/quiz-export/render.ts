/** A stored quiz as a file an LMS imports: QTI 1.2 (zip), Moodle XML, GIFT or Aiken. */

import type { Actor } from '../../access/actor.js';
import { AppError } from '../../errors.js';
import type { DomainDeps } from '../deps.js';
import { findQuiz, type StoredQuiz } from '../study.service.js';
import { quizToAiken } from './aiken.js';
import { quizToGift } from './gift.js';
import { quizToMoodleXml } from './moodle-xml.js';
import { quizToQti12 } from './qti12.js';
import type { ExportQuiz } from './quiz.js';

export const QUIZ_EXPORT_FORMATS = ['qti12', 'moodle-xml', 'gift', 'aiken'] as const;
export type QuizExportFormat = (typeof QUIZ_EXPORT_FORMATS)[number];

export interface QuizFile {
  type: string;
  name: string;
  body: string | Buffer;
}

/** The quiz as a file, for an instructor of its course or the service; another course's quiz is not found. */
export async function exportQuizFile(
  deps: DomainDeps,
  actor: Actor,
  input: { quiz_id: string; format: QuizExportFormat },
): Promise<QuizFile> {
  const quiz = await findQuiz(deps, actor, input.quiz_id);
  if (!quiz) throw new AppError('not_found', `Quiz ${input.quiz_id} was not found`);
  return render(quiz, input.format);
}

function exportQuiz(quiz: StoredQuiz): ExportQuiz {
  const topics = quiz.topics.length > 0 ? `: ${quiz.topics.join(', ')}` : '';
  return {
    title: `Class Assist quiz${topics}`,
    questions: quiz.questions.map((q) => ({
      id: q.id,
      prompt: q.prompt,
      choices: q.choices,
      answer_index: q.answer_index,
      explanation: q.explanation,
    })),
  };
}

function render(quiz: StoredQuiz, format: QuizExportFormat): { type: string; name: string; body: string | Buffer } {
  const base = `quiz-${quiz.id}`;
  const data = exportQuiz(quiz);
  switch (format) {
    case 'qti12':
      return { type: 'application/zip', name: `${base}-qti12.zip`, body: quizToQti12(data, { ident: base }).zip };
    case 'moodle-xml':
      return { type: 'application/xml; charset=utf-8', name: `${base}-moodle.xml`, body: quizToMoodleXml(data) };
    case 'gift':
      return { type: 'text/plain; charset=utf-8', name: `${base}.gift.txt`, body: quizToGift(data) };
    case 'aiken':
      return { type: 'text/plain; charset=utf-8', name: `${base}.aiken.txt`, body: quizToAiken(data) };
  }
}
