/**
 * The quiz panel of the student view, built from an attempt: the question on show with its choices (or, once
 * answered, whether it was right and why), then the score. Pure: the caller loads the attempt and the slides.
 */
import type { WidgetAction, WidgetQuiz } from '@class-assist/contracts';
import { type SlideRow, slideLabel } from '../domain/course.repository.js';
import type { QuizAttempt } from '../domain/quiz-attempt.service.js';

/** What a widget item remembers of the quiz it shows. */
export interface WidgetQuizUi {
  attemptId: string;
  /** The question on show; null shows the first unanswered one, or the score when none is left. */
  questionId: string | null;
}

export const letter = (index: number) => String.fromCharCode(65 + index);

/** The first unanswered question after `afterId` (or from the start), else undefined. */
export function nextOpenQuestion(attempt: QuizAttempt, afterId: string | null): string | undefined {
  const start = afterId === null ? 0 : attempt.questions.findIndex((q) => q.id === afterId) + 1;
  const ordered = [...attempt.questions.slice(start), ...attempt.questions.slice(0, start)];
  return ordered.find((q) => !attempt.answers.has(q.id))?.id;
}

export function describeQuiz(
  attempt: QuizAttempt,
  ui: WidgetQuizUi,
  slides: readonly SlideRow[],
  improvement: string,
): WidgetQuiz {
  const total = attempt.questions.length;
  const shownId = ui.questionId ?? nextOpenQuestion(attempt, null) ?? null;
  const index = attempt.questions.findIndex((q) => q.id === shownId);
  const question = attempt.questions[index];
  const base = {
    attemptId: attempt.attempt_id,
    title: attempt.topics.length > 0 ? `Practice quiz on ${attempt.topics.join(', ')}` : 'Practice quiz',
    sourceNote: attempt.source === 'openai' ? 'Written by the AI model from your course notes.' : '',
  };
  if (!question) {
    return {
      ...base,
      progress: 'Finished',
      question: null,
      feedback: null,
      nextAction: null,
      nextLabel: '',
      result: scoreOf(attempt, slides, improvement),
    };
  }
  const answer = attempt.answers.get(question.id);
  const slide = slides.find((s) => s.id === question.slide_id);
  const from = slide ? [slideLabel(slide), slide.from_material ? slide.title : ''].filter(Boolean).join(' — ') : '';
  const choices = question.choices.map((choice, c) => ({
    label: `${letter(c)}. ${choice}`,
    action: {
      type: 'quiz.answer',
      payload: { attempt_id: attempt.attempt_id, question_id: question.id, choice_index: c },
    } satisfies WidgetAction,
  }));
  const rightAnswer = `${letter(question.answer_index)}. ${question.choices[question.answer_index]}`;
  const open = nextOpenQuestion(attempt, question.id);
  return {
    ...base,
    progress: `Question ${index + 1} of ${total}`,
    question: { id: question.id, prompt: question.prompt, slideLabel: from ? `From ${from}` : '', choices },
    feedback: answer
      ? {
          correct: answer.correct,
          // The badge beside it says right or wrong; the text says why.
          text: answer.correct ? question.explanation : `The answer is **${rightAnswer}**. ${question.explanation}`,
        }
      : null,
    nextAction: answer ? { type: 'quiz.next', payload: { attempt_id: attempt.attempt_id } } : null,
    nextLabel: open ? 'Next question' : 'See my score',
    result: null,
  };
}

function scoreOf(attempt: QuizAttempt, slides: readonly SlideRow[], improvement: string): WidgetQuiz['result'] {
  return { score: scoreLine(attempt), summary: quizSummary(attempt, slides, improvement) };
}

/** "4 of 5 correct (80%)". */
export function scoreLine(attempt: QuizAttempt): string {
  const total = attempt.questions.length;
  const correct = [...attempt.answers.values()].filter((a) => a.correct).length;
  return `${correct} of ${total} correct (${total === 0 ? 0 : Math.round((correct / total) * 100)}%)`;
}

/** Markdown: what to review (the slides of the missed questions) and the improvement figure. */
export function quizSummary(attempt: QuizAttempt, slides: readonly SlideRow[], improvement: string): string {
  const missed = new Map<string, number>();
  for (const q of attempt.questions) {
    if (attempt.answers.get(q.id)?.correct === false) missed.set(q.slide_id, (missed.get(q.slide_id) ?? 0) + 1);
  }
  const lines: string[] = [];
  if (missed.size === 0) lines.push('All correct — well done.');
  else {
    lines.push('Worth another look:');
    for (const [slideId, count] of missed) {
      const slide = slides.find((s) => s.id === slideId);
      const name = slide
        ? [slideLabel(slide), slide.from_material ? slide.title : ''].filter(Boolean).join(' — ')
        : slideId;
      lines.push(`- ${name} (${count} missed)`);
    }
  }
  lines.push(
    '',
    improvement === '—'
      ? 'Improvement on the topics you flagged appears after two quizzes that cover them.'
      : `Improvement on the topics you flagged: **${improvement}** since your first quiz on them.`,
  );
  return lines.join('\n');
}
