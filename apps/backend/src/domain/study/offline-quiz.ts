/**
 * The offline quiz: multiple-choice and cloze questions built from the definitional statements ("X is …") of the
 * focus slides' notes, with distractors drawn from the other terms defined in the course. Pure and deterministic:
 * the same slides and seed always give the same quiz. Every correct answer is text of the cited slide's notes.
 */
import {
  capitalize,
  type Definition,
  extractDefinitions,
  normalize,
  phrasesOverlap,
  type StudySlide,
  seededRandom,
  shuffle,
} from './text.js';

export type { StudySlide } from './text.js';

export interface OfflineQuizInput {
  /** The focus slides (confusion zone or requested topics), most relevant first. */
  slides: readonly StudySlide[];
  /** Every slide of the course, for distractors (the focus slides are added if missing). */
  courseSlides: readonly StudySlide[];
  /** Questions wanted; 5 by default. */
  count?: number;
  /** Same seed, same quiz. */
  seed: string;
}

export interface OfflineQuizQuestion {
  id: string;
  prompt: string;
  /** Four distinct choices. */
  choices: string[];
  answer_index: number;
  /** Why the answer is right, citing its slide. */
  explanation: string;
  slide_id: string;
}

export interface OfflineQuiz {
  /** The topics of the focus slides (their topic, else their title), in focus order. */
  topics: string[];
  questions: OfflineQuizQuestion[];
  /** Present only when fewer than `count` questions could be made: says why. */
  shortfall?: string;
}

type Kind = 'which_term' | 'cloze' | 'what_is';
const KINDS: readonly Kind[] = ['which_term', 'cloze', 'what_is'];
const CHOICES = 4;

interface Candidate {
  kind: Kind;
  definition: Definition;
  slide: StudySlide;
}

/** A quiz of up to `count` questions spread over the focus slides; see the module comment. */
export function generateOfflineQuiz(input: OfflineQuizInput): OfflineQuiz {
  const count = Math.max(0, Math.floor(input.count ?? 5));
  const random = seededRandom(input.seed);
  const topics = unique(input.slides.map((s) => (s.topic ?? s.title).trim()).filter(Boolean));

  const course = new Map<string, StudySlide>();
  for (const s of [...input.courseSlides, ...input.slides]) if (!course.has(s.id)) course.set(s.id, s);
  const courseDefinitions = [...course.values()].flatMap(extractDefinitions);

  // Per focus slide: its definitions (the slide's first, main statement first, the rest in seeded order).
  const perSlide = uniqueById(input.slides).map((slide) => {
    const [main, ...rest] = extractDefinitions(slide);
    return { slide, definitions: main ? [main, ...shuffle(rest, random)] : [] };
  });

  // Rounds: each round asks about every definition once more with another kind, slides taken in turns.
  const kindOffset = Math.floor(random() * KINDS.length);
  const questions: OfflineQuizQuestion[] = [];
  const prompts = new Set<string>();
  const longest = Math.max(0, ...perSlide.map((p) => p.definitions.length));
  outer: for (let round = 0; round < KINDS.length; round++) {
    for (let index = 0; index < longest; index++) {
      for (const { slide, definitions } of perSlide) {
        if (questions.length >= count) break outer;
        const definition = definitions[index];
        if (!definition) continue;
        for (let k = 0; k < KINDS.length; k++) {
          const kind = KINDS[(kindOffset + round + index + k) % KINDS.length] as Kind;
          const made = makeQuestion({ kind, definition, slide }, courseDefinitions, random, questions.length + 1);
          if (made && !prompts.has(made.prompt)) {
            prompts.add(made.prompt);
            questions.push(made);
            break;
          }
        }
      }
    }
  }

  const quiz: OfflineQuiz = { topics, questions };
  if (questions.length < count) {
    quiz.shortfall =
      perSlide.every((p) => p.definitions.length === 0) && input.slides.length > 0
        ? `Only ${questions.length} of ${count} questions: the notes of these slides hold no definitional statements to ask about.`
        : input.slides.length === 0
          ? `Only ${questions.length} of ${count} questions: no slides were given to ask about.`
          : `Only ${questions.length} of ${count} questions: the notes of these slides hold too few distinct statements.`;
  }
  return quiz;
}

function makeQuestion(
  candidate: Candidate,
  courseDefinitions: readonly Definition[],
  random: () => number,
  number: number,
): OfflineQuizQuestion | undefined {
  const { kind, definition: d, slide } = candidate;
  const names = [d.term, ...d.aliases];
  const others = courseDefinitions.filter(
    (o) => !names.some((n) => [o.term, ...o.aliases].some((m) => phrasesOverlap(n, m))),
  );
  let prompt: string;
  let answer: string;
  let pool: string[];
  if (kind === 'what_is') {
    prompt = `What ${d.copula} ${d.article ? `${d.article} ` : ''}${termInText(d.term)}?`;
    answer = d.definition;
    pool = others.map((o) => o.definition);
  } else {
    answer = capitalize(d.term);
    pool = others.map((o) => capitalize(o.term));
    if (kind === 'which_term') {
      if (names.some((n) => containsPhrase(d.definition, n))) return undefined;
      prompt = `Which term ${d.copula === 'are' ? 'describes' : 'is defined as'} "${d.definition}"?`;
    } else {
      const blanked = blank(d.sentence, names);
      if (!blanked) return undefined;
      prompt = `Fill in the blank: ${blanked}`;
    }
  }
  const distractors: string[] = [];
  const seen = new Set([normalize(answer)]);
  for (const option of shuffle(pool, random)) {
    if (distractors.length === CHOICES - 1) break;
    const key = normalize(option);
    if (seen.has(key)) continue;
    seen.add(key);
    distractors.push(option);
  }
  if (distractors.length < CHOICES - 1) return undefined;
  const choices = shuffle([answer, ...distractors], random);
  const where = slide.position ? `slide ${slide.position}, ${slide.title}` : `the slide ${slide.title}`;
  return {
    id: `q${number}`,
    prompt,
    choices,
    answer_index: choices.indexOf(answer),
    explanation: `From ${where}: ${d.sentence}`,
    slide_id: slide.id,
  };
}

/** The sentence with every occurrence of the names replaced by "____", or undefined if none occurs. */
function blank(sentence: string, names: readonly string[]): string | undefined {
  let out = sentence;
  for (const name of [...names].sort((a, b) => b.length - a.length)) {
    out = out.replace(new RegExp(`(?<![\\w-])${escapeRegExp(name)}(?![\\w-])`, 'gi'), '____');
  }
  return out === sentence ? undefined : out.replace(/____(\s*\(\s*____\s*\))/g, '____');
}

function containsPhrase(text: string, phrase: string): boolean {
  return new RegExp(`(?<![\\w-])${escapeRegExp(phrase)}(?![\\w-])`, 'i').test(text);
}

/** A term as it reads mid-sentence: "Gradient descent" → "gradient descent", "MSE" and "L2 …" unchanged. */
function termInText(term: string): string {
  return /^[A-Z][A-Z0-9]/.test(term) ? term : term.charAt(0).toLowerCase() + term.slice(1);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

function uniqueById(slides: readonly StudySlide[]): StudySlide[] {
  const seen = new Set<string>();
  return slides.filter((s) => !seen.has(s.id) && seen.add(s.id));
}
