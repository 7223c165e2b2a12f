/**
 * Plain-text helpers shared by the offline study builders: sentence splitting of slide notes, definitional
 * statements ("X is …"), content-word tokens and a seeded PRNG. Pure and deterministic.
 */

/** A slide as the study builders see it (a `LectureSlide` fits; `position` is optional). */
export interface StudySlide {
  id: string;
  position?: number;
  title: string;
  topic: string | null;
  notes: string;
}

/** "X is …" found in a slide's notes: the term, its aliases, the copula and the defining phrase, all verbatim. */
export interface Definition {
  term: string;
  aliases: string[];
  /** The article that stood before the term ("a", "the"), lower-cased, or "". */
  article: string;
  copula: 'is' | 'are';
  definition: string;
  sentence: string;
  slideId: string;
}

/** The sentences of Markdown notes: bullet lines and paragraphs split at sentence ends; Markdown markers dropped. */
export function splitSentences(notes: string): string[] {
  const blocks: string[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) blocks.push(paragraph.join(' '));
    paragraph = [];
  };
  for (const raw of notes.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trim();
    if (!line || /^#{1,6}\s/.test(line)) {
      flush();
      continue;
    }
    const bullet = /^(?:[-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (bullet) {
      flush();
      blocks.push(bullet[1] ?? '');
    } else paragraph.push(line);
  }
  flush();
  const sentences: string[] = [];
  for (const block of blocks) {
    const clean = block
      .replace(/\*\*|__|`/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    for (const part of clean.split(/(?<=[.!?]["”)]?)\s+(?=["“(]?[A-Z0-9])/)) {
      const sentence = part.trim();
      if (sentence.length > 1) sentences.push(sentence);
    }
  }
  return sentences;
}

const NOT_A_TERM = new Set(
  'it this that these those there here one most some many if when while despite each our we you they he she its his their such any all both either another what which who why how other however so but and or for in on at to as with by of'.split(
    ' ',
  ),
);

const DEFINITION =
  /^(?:(A|An|The)\s+)?([A-Za-z0-9][\w'-]*(?:\s+[A-Za-z0-9][\w'-]*){0,4})(?:\s+\(([^()]{1,40})\))?(?:,\s+(?:also\s+)?(?:called|known as)\s+([^,]{1,40}),)?\s+(is|are)\s+((?:a|an|the|any|when|where|[a-z]+ing)\b.*)$/;

/** The definitional statement of a sentence ("Gradient descent is an …"), or undefined. */
export function parseDefinition(sentence: string, slideId: string): Definition | undefined {
  const m = DEFINITION.exec(sentence);
  if (!m) return undefined;
  const term = m[2] ?? '';
  const first = (term.split(/\s+/)[0] ?? '').toLowerCase();
  if (NOT_A_TERM.has(first) || /^(being|going|doing)\b/.test(m[6] ?? '')) return undefined;
  // "Comparing errors is …": a gerund phrase is an activity, not a term of the course.
  if (!m[1] && /ing$/i.test(first) && /\s/.test(term)) return undefined;
  let definition = (m[6] ?? '')
    .replace(/[:;].*$/, '')
    .replace(/[.!?]+$/, '')
    .trim();
  const clause = /,\s+(?:and|which)\s/.exec(definition);
  if (clause && definition.slice(0, clause.index).split(/\s+/).length >= 4)
    definition = definition.slice(0, clause.index);
  if (definition.split(/\s+/).length < 3) return undefined;
  const aliases = [m[3], m[4]].filter((a): a is string => !!a).map((a) => a.trim());
  return {
    term,
    aliases,
    article: (m[1] ?? '').toLowerCase(),
    copula: m[5] === 'are' ? 'are' : 'is',
    definition,
    sentence,
    slideId,
  };
}

/** Every definitional statement of a slide's notes, first statement per term only (document order). */
export function extractDefinitions(slide: StudySlide): Definition[] {
  const seen = new Set<string>();
  const found: Definition[] = [];
  for (const sentence of splitSentences(slide.notes)) {
    const d = parseDefinition(sentence, slide.id);
    if (!d) continue;
    const keys = [d.term, ...d.aliases].map(normalize);
    if (keys.some((k) => seen.has(k))) continue;
    for (const k of keys) seen.add(k);
    found.push(d);
  }
  return found;
}

/** Lower-cased, whitespace-collapsed text for comparisons. */
export function normalize(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** True when one phrase contains the other as whole words (so "bias" and "bias term" overlap). */
export function phrasesOverlap(a: string, b: string): boolean {
  const x = ` ${normalize(a).replace(/[^a-z0-9]+/g, ' ')} `;
  const y = ` ${normalize(b).replace(/[^a-z0-9]+/g, ' ')} `;
  return x.includes(y) || y.includes(x);
}

/** "learning rate" → "Learning rate"; acronyms and the like are left as they are. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const STOP_WORDS = new Set(
  'a an the and or of to in on at for from by with as is are was were be been being it its this that these those what which who how why when where explain explanation tell me about please again topic does do did can could would should i you we they my our your more some any into than then there their not no so'.split(
    ' ',
  ),
);

/** Content words of a text, lower-cased and lightly stemmed (plural "s" dropped), stop words removed. */
export function contentWords(text: string): string[] {
  const words = text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  return words.filter((w) => !STOP_WORDS.has(w) && w.length > 1).map(stem);
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** A seeded PRNG (cyrb128 hash of the seed, then sfc32): the same seed always gives the same stream in [0, 1). */
export function seededRandom(seed: string): () => number {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < seed.length; i++) {
    const k = seed.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  let a = (h1 ^ h2 ^ h3 ^ h4) >>> 0;
  let b = (h2 ^ h1) >>> 0;
  let c = (h3 ^ h1) >>> 0;
  let d = (h4 ^ h1) >>> 0;
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return (r >>> 0) / 4294967296;
  };
}

/** A shuffled copy (Fisher–Yates with the given PRNG). */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return out;
}
