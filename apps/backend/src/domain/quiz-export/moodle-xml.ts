/**
 * Moodle XML for a quiz: a category named after the quiz, then one `multichoice` question (single answer) per
 * question, the explanation as general feedback. Text is plain text, XML-escaped.
 */
import { type ExportQuestion, type ExportQuiz, escapeXml } from './quiz.js';

/** The whole quiz as a Moodle XML document. */
export function quizToMoodleXml(quiz: ExportQuiz): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', '<quiz>'];
  out.push(
    '  <question type="category">',
    `    <category><text>${escapeXml(`$course$/top/${quiz.title.replace(/\//g, '-')}`)}</text></category>`,
    '  </question>',
  );
  quiz.questions.forEach((q, i) => {
    out.push(moodleQuestion(q, i));
  });
  out.push('</quiz>', '');
  return out.join('\n');
}

function moodleQuestion(q: ExportQuestion, index: number): string {
  const text = (value: string) => `<text>${escapeXml(value)}</text>`;
  const lines = [
    '  <question type="multichoice">',
    `    <name>${text(q.id || `q${index + 1}`)}</name>`,
    `    <questiontext format="plain_text">${text(q.prompt)}</questiontext>`,
    `    <generalfeedback format="plain_text">${text(q.explanation)}</generalfeedback>`,
    '    <defaultgrade>1</defaultgrade>',
    '    <penalty>0.3333333</penalty>',
    '    <hidden>0</hidden>',
    '    <single>true</single>',
    '    <shuffleanswers>true</shuffleanswers>',
    '    <answernumbering>abc</answernumbering>',
  ];
  q.choices.forEach((choice, i) => {
    lines.push(
      `    <answer fraction="${i === q.answer_index ? 100 : 0}" format="plain_text">${text(choice)}<feedback format="plain_text"><text></text></feedback></answer>`,
    );
  });
  lines.push('  </question>');
  return lines.join('\n');
}
