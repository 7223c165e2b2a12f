import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { strFromU8, unzipSync } from 'fflate';
import { parse as parseGift } from 'gift-pegjs';
import { describe, expect, it } from 'vitest';
import { quizToAiken } from '../src/domain/quiz-export/aiken.js';
import { quizToGift } from '../src/domain/quiz-export/gift.js';
import { quizToMoodleXml } from '../src/domain/quiz-export/moodle-xml.js';
import { quizToQti12 } from '../src/domain/quiz-export/qti12.js';
import type { ExportQuiz } from '../src/domain/quiz-export/quiz.js';

const hostile = 'Is <b>x</b> & {y} ~z = #1: a\\b?\nSecond line';
const quiz: ExportQuiz = {
  title: 'Week 3: Gradient descent & <regularization>',
  questions: [
    {
      id: 'q1',
      prompt: 'What is the learning rate?',
      choices: ['the step size', 'a penalty', 'the bias', 'a label'],
      answer_index: 0,
      explanation: 'From slide 7, Gradient Descent: The learning rate is the step size.',
    },
    {
      id: 'q2',
      prompt: hostile,
      choices: ['<script>alert(1)</script>', 'a & b', '{curly} ~tilde', '=equals #hash\nnewline'],
      answer_index: 3,
      explanation: 'Because: 1 < 2 & {ok} ~ = #\nline two',
    },
  ],
};
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', trimValues: false });
// biome-ignore lint/suspicious/noExplicitAny: parsed XML is untyped; the assertions check its shape
type Xml = any;
const asArray = (v: Xml): Xml[] => (Array.isArray(v) ? v : [v]);

describe('GIFT', () => {
  const gift = quizToGift(quiz);
  it('parses with gift-pegjs into the same questions and answers', () => {
    const parsed = parseGift(gift).filter((q) => q.type === 'MC');
    expect(parsed).toHaveLength(2);
    parsed.forEach((q, i) => {
      const source = quiz.questions[i];
      if (q.type !== 'MC' || !source) throw new Error('not MC');
      expect(q.title).toBe(source.id);
      expect(q.stem.text.trim()).toBe(source.prompt);
      expect(q.choices.map((c) => c.text.text.trim())).toEqual(source.choices);
      expect(q.choices.map((c) => c.isCorrect)).toEqual(source.choices.map((_, j) => j === source.answer_index));
      expect(q.globalFeedback?.text.trim()).toBe(source.explanation);
    });
  });
  it('escapes every control character and newline', () => {
    expect(gift).toContain('Is <b>x</b> & \\{y\\} \\~z \\= \\#1\\: a\\\\b?\\nSecond line');
    const q2 = gift.slice(gift.indexOf('::q2::'));
    expect(q2.trimEnd().split('\n')).toHaveLength(7); // header, 4 choices, feedback, closing brace
  });
});

describe('Aiken', () => {
  const aiken = quizToAiken(quiz);
  it('follows the format: one-line question, lettered choices, ANSWER line, blank line between', () => {
    const blocks = aiken.trimEnd().split('\n\n');
    expect(blocks).toHaveLength(2);
    blocks.forEach((block, i) => {
      const lines = block.split('\n');
      const source = quiz.questions[i];
      expect(lines).toHaveLength(6);
      expect(lines[0]).toBe(source?.prompt.replace(/\s+/g, ' '));
      expect(lines.slice(1, 5).map((l) => l.slice(0, 3))).toEqual(['A. ', 'B. ', 'C. ', 'D. ']);
      expect(lines[5]).toBe(`ANSWER: ${'ABCD'[source?.answer_index ?? 0]}`);
    });
    expect(aiken).toContain('D. =equals #hash newline');
  });
  it('prefixes a prompt that would read as a choice line', () => {
    const out = quizToAiken({
      title: 't',
      questions: [{ id: 'q', prompt: 'A. trick', choices: ['a', 'b'], answer_index: 1, explanation: '' }],
    });
    expect(out.split('\n')[0]).toBe('Question: A. trick');
  });
});

describe('Moodle XML', () => {
  const doc = quizToMoodleXml(quiz);
  it('is well-formed with the required elements and the same content', () => {
    expect(XMLValidator.validate(doc)).toBe(true);
    const parsed = xml.parse(doc);
    const questions = asArray(parsed.quiz.question) as Xml[];
    expect(questions[0]?.['@_type']).toBe('category');
    const mc = questions.filter((q) => q['@_type'] === 'multichoice');
    expect(mc).toHaveLength(2);
    mc.forEach((q, i) => {
      const source = quiz.questions[i];
      expect(q.name.text).toBe(source?.id);
      expect(q.questiontext.text).toBe(source?.prompt);
      expect(q.generalfeedback.text).toBe(source?.explanation);
      expect(String(q.single)).toBe('true');
      const answers = asArray(q.answer);
      expect(answers.map((a: Xml) => a.text)).toEqual(source?.choices);
      expect(answers.map((a: Xml) => a['@_fraction'])).toEqual(
        source?.choices.map((_, j) => (j === source.answer_index ? '100' : '0')),
      );
    });
  });
  it('escapes hostile text', () => {
    expect(doc).not.toContain('<script>');
    expect(doc).toContain('&lt;script&gt;');
    expect(doc).toContain('a &amp; b');
  });
});

describe('QTI 1.2 zip', () => {
  const pkg = quizToQti12(quiz, { ident: 'quiz_week3' });
  const files = unzipSync(new Uint8Array(pkg.zip));
  it('opens and holds imsmanifest.xml referencing the assessment file', () => {
    expect(Object.keys(files).sort()).toEqual(['imsmanifest.xml', 'quiz_week3/quiz_week3.xml']);
    const manifestText = strFromU8(files['imsmanifest.xml'] as Uint8Array);
    expect(manifestText).toBe(pkg.manifest);
    expect(XMLValidator.validate(manifestText)).toBe(true);
    const manifest = xml.parse(manifestText).manifest;
    const resource = manifest.resources.resource;
    expect(resource['@_type']).toBe('imsqti_xmlv1p2');
    expect(resource.file['@_href']).toBe('quiz_week3/quiz_week3.xml');
  });
  it('has a well-formed questestinterop/assessment/section/item assessment with the right answers', () => {
    const text = strFromU8(files['quiz_week3/quiz_week3.xml'] as Uint8Array);
    expect(text).toBe(pkg.assessment);
    expect(XMLValidator.validate(text)).toBe(true);
    const assessment = xml.parse(text).questestinterop.assessment;
    expect(assessment['@_title']).toBe(quiz.title);
    const items = asArray(assessment.section.item) as Xml[];
    expect(items).toHaveLength(2);
    items.forEach((item, i) => {
      const source = quiz.questions[i];
      expect(item.presentation.material.mattext['#text']).toBe(source?.prompt);
      const lid = item.presentation.response_lid;
      expect(lid['@_rcardinality']).toBe('Single');
      const labels = asArray(lid.render_choice.response_label) as Xml[];
      expect(labels.map((l) => l.material.mattext['#text'])).toEqual(source?.choices);
      const conditions = asArray(item.resprocessing.respcondition) as Xml[];
      const scoring = conditions.find((c) => c.setvar);
      expect(scoring?.conditionvar.varequal['#text']).toBe(labels[source?.answer_index ?? 0]?.['@_ident']);
      expect(item.itemfeedback.flow_mat.material.mattext['#text']).toBe(source?.explanation);
    });
  });
  it('is byte-for-byte deterministic', () => {
    expect(quizToQti12(quiz, { ident: 'quiz_week3' }).zip.equals(pkg.zip)).toBe(true);
    expect(quizToQti12(quiz).ident).toMatch(/^quiz_week_3_gradient_descent/);
  });
});
