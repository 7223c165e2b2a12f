/**
 * Aiken (Moodle's simplest quiz format): the question on one line, each choice on its own line as `A. …`, then
 * `ANSWER: X`, a blank line between questions. Newlines are folded into spaces; Aiken has no feedback, so the
 * explanations are left out.
 */
import { type ExportQuiz, oneLine } from './quiz.js';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The whole quiz as Aiken text; throws on a question with more than 26 choices or an answer out of range. */
export function quizToAiken(quiz: ExportQuiz): string {
  return quiz.questions
    .map((q) => {
      if (q.choices.length > LETTERS.length || q.answer_index < 0 || q.answer_index >= q.choices.length) {
        throw new RangeError(`Question ${q.id} cannot be written as Aiken`);
      }
      // A prompt that itself reads like a choice or an answer line would be misparsed: prefix it.
      const prompt = oneLine(q.prompt);
      const safePrompt = /^([A-Z][.)]\s|ANSWER:)/i.test(prompt) ? `Question: ${prompt}` : prompt;
      const lines = [safePrompt, ...q.choices.map((c, i) => `${LETTERS[i]}. ${oneLine(c)}`)];
      lines.push(`ANSWER: ${LETTERS[q.answer_index]}`);
      return lines.join('\n');
    })
    .join('\n\n')
    .concat('\n');
}
