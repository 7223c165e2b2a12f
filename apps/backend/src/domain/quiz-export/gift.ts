/**
 * GIFT (Moodle's text format) for a quiz: one multiple-choice question per block, `=` the right answer, `~` the
 * others, `####` the general feedback. Every GIFT control character is escaped and newlines become `\n`.
 */
import type { ExportQuestion, ExportQuiz } from './quiz.js';

/** Text safe inside a GIFT question: `~ = # { } :` and backslash escaped, newlines as `\n`. */
export function escapeGift(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\\~=#{}:]/g, (c) => `\\${c}`)
    .replace(/\n/g, '\\n')
    .trim();
}

/** The whole quiz as GIFT text, with a `$CATEGORY` line named after the quiz title. */
export function quizToGift(quiz: ExportQuiz): string {
  const blocks = [
    `// ${quiz.title.replace(/\s+/g, ' ').trim()}`,
    `$CATEGORY: ${escapeGift(quiz.title.replace(/\//g, '-'))}`,
  ];
  quiz.questions.forEach((q, i) => {
    blocks.push(giftQuestion(q, i));
  });
  return `${blocks.join('\n\n')}\n`;
}

function giftQuestion(q: ExportQuestion, index: number): string {
  const lines = [`::${escapeGift(q.id || `q${index + 1}`)}::[plain]${escapeGift(q.prompt)} {`];
  q.choices.forEach((choice, i) => {
    lines.push(`\t${i === q.answer_index ? '=' : '~'}${escapeGift(choice)}`);
  });
  if (q.explanation.trim()) lines.push(`\t####${escapeGift(q.explanation)}`);
  lines.push('}');
  return lines.join('\n');
}
