import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLectureMarkdown } from '../src/domain/lecture-markdown.js';
import { explainOffline } from '../src/domain/study/offline-explain.js';
import { generateOfflineQuiz } from '../src/domain/study/offline-quiz.js';
import { extractDefinitions } from '../src/domain/study/text.js';

const lecture = parseLectureMarkdown(readFileSync(new URL('../src/db/demo/lecture.md', import.meta.url), 'utf8'));
const slide = (title: RegExp) => {
  const found = lecture.slides.find((s) => title.test(s.title));
  if (!found) throw new Error(`no slide ${title}`);
  return found;
};
const gradient = slide(/^Gradient Descent/);
const regularization = slide(/^Regularization$/);
const focus = [gradient, regularization];
const courseDefinitions = lecture.slides.flatMap(extractDefinitions);
const courseTerms = new Set(courseDefinitions.map((d) => d.term.toLowerCase()));
const courseDefinitionTexts = new Set(courseDefinitions.map((d) => d.definition));

describe('generateOfflineQuiz on the demo lecture', () => {
  const quiz = generateOfflineQuiz({ slides: focus, courseSlides: lecture.slides, seed: 'demo-seed' });

  it('makes 5 questions on the focus slides, spread over both', () => {
    expect(quiz.questions).toHaveLength(5);
    expect(quiz.shortfall).toBeUndefined();
    expect(quiz.topics).toEqual(['Gradient descent', 'Regularization']);
    const cited = new Set(quiz.questions.map((q) => q.slide_id));
    expect(cited).toEqual(new Set([gradient.id, regularization.id]));
    expect(new Set(quiz.questions.map((q) => q.id)).size).toBe(5);
    expect(new Set(quiz.questions.map((q) => q.prompt)).size).toBe(5);
  });

  it('grounds every correct answer in the cited slide notes', () => {
    for (const q of quiz.questions) {
      const notes = lecture.slides.find((s) => s.id === q.slide_id)?.notes ?? '';
      const answer = q.choices[q.answer_index] ?? '';
      expect(answer.length).toBeGreaterThan(0);
      expect(notes.toLowerCase()).toContain(answer.toLowerCase());
    }
  });

  it('offers 4 distinct choices whose distractors are course terms or their definitions', () => {
    for (const q of quiz.questions) {
      expect(q.choices).toHaveLength(4);
      expect(new Set(q.choices.map((c) => c.toLowerCase())).size).toBe(4);
      expect(q.answer_index).toBeGreaterThanOrEqual(0);
      expect(q.answer_index).toBeLessThan(4);
      q.choices.forEach((choice, i) => {
        if (i === q.answer_index) return;
        expect(courseTerms.has(choice.toLowerCase()) || courseDefinitionTexts.has(choice)).toBe(true);
      });
    }
  });

  it('mixes question kinds and hides the answer in cloze prompts', () => {
    const kinds = quiz.questions.map((q) =>
      q.prompt.startsWith('Fill in the blank') ? 'cloze' : q.prompt.startsWith('Which term') ? 'term' : 'what',
    );
    expect(new Set(kinds).size).toBeGreaterThanOrEqual(2);
    for (const q of quiz.questions) {
      if (!q.prompt.startsWith('Fill in the blank')) continue;
      expect(q.prompt).toContain('____');
      expect(q.prompt.toLowerCase()).not.toContain((q.choices[q.answer_index] ?? '').toLowerCase());
    }
  });

  it('cites the slide in every explanation', () => {
    for (const q of quiz.questions) {
      const s = lecture.slides.find((x) => x.id === q.slide_id);
      expect(q.explanation).toMatch(new RegExp(`^From slide ${s?.position}, `));
      expect(q.explanation).toContain(s?.title ?? '');
    }
  });

  it('is deterministic for a seed and varies with it', () => {
    const again = generateOfflineQuiz({ slides: focus, courseSlides: lecture.slides, seed: 'demo-seed' });
    expect(again).toEqual(quiz);
    const other = generateOfflineQuiz({ slides: focus, courseSlides: lecture.slides, seed: 'another-seed' });
    expect(other.questions).toHaveLength(5);
    expect(JSON.stringify(other.questions)).not.toBe(JSON.stringify(quiz.questions));
  });

  it('works for every slide of the course and every count up to 5', () => {
    for (const s of lecture.slides) {
      const q = generateOfflineQuiz({ slides: [s], courseSlides: lecture.slides, seed: s.id });
      expect(q.questions.length).toBe(5);
      for (const question of q.questions) {
        expect(s.notes.toLowerCase()).toContain((question.choices[question.answer_index] ?? '').toLowerCase());
      }
    }
    expect(
      generateOfflineQuiz({ slides: focus, courseSlides: lecture.slides, seed: 'x', count: 2 }).questions,
    ).toHaveLength(2);
  });

  it('reports a shortfall when the notes hold no statements', () => {
    const empty = {
      id: 'x',
      position: 99,
      title: 'Questions?',
      topic: null,
      notes: 'Any questions? Thanks for listening!',
    };
    const q = generateOfflineQuiz({ slides: [empty], courseSlides: lecture.slides, seed: 's' });
    expect(q.questions).toEqual([]);
    expect(q.shortfall).toMatch(/no definitional statements/);
  });
});

describe('explainOffline', () => {
  const passages = lecture.slides.map((s, i) => ({
    slide_id: s.id,
    title: s.title,
    topic: s.topic,
    notes: s.notes,
    rank: s === gradient ? 0.9 : s === regularization ? 0.4 : i === 0 ? 0.05 : 0,
  }));

  it('re-explains from the most relevant passages, citing their slides', () => {
    const result = explainOffline({ topic: 'learning rate', passages });
    expect(result.topic).toBe('learning rate');
    expect(result.sources[0]).toEqual({ slide_id: gradient.id, title: gradient.title });
    for (const source of result.sources) expect(result.explanation).toContain(source.title);
    expect(result.explanation).toContain('The learning rate is the step size');
    expect(result.explanation).toContain('**Check yourself:**');
    // Every quoted sentence is from the notes of a cited slide.
    const cited = result.sources.map((s) => lecture.slides.find((x) => x.id === s.slide_id)?.notes ?? '').join(' ');
    const body = result.explanation.split('\n').filter((l) => /^\d+\. From the slide/.test(l));
    expect(body.length).toBe(result.sources.length);
    for (const line of body) {
      const quoted = line.replace(/^\d+\. From the slide \*\*[^*]+\*\*: /, '');
      for (const sentence of quoted.split(/(?<=\.)\s+(?=[A-Z])/))
        expect(cited.replace(/\s+/g, ' ')).toContain(sentence);
    }
  });

  it('says plainly when a topic is not in the course material', () => {
    const result = explainOffline({ topic: 'quantum chromodynamics', passages });
    expect(result.sources).toEqual([]);
    expect(result.explanation).toContain('not in the course material');
    expect(result.explanation).toContain(gradient.title); // closest slides listed
    expect(result.explanation).not.toMatch(/Check yourself/);
    const none = explainOffline({ topic: 'deep learning', passages: passages.map((p) => ({ ...p, rank: 0 })) });
    expect(none.sources).toEqual([]);
    expect(none.explanation).toContain('not in the course material');
  });
});
