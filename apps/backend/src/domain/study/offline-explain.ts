/**
 * The offline re-explanation: the most relevant sentences of the retrieved passages, in the slides' own words and
 * with each slide cited, then a "Check yourself" question. A topic no passage covers gets a plain "not in the course
 * material" (with the closest slide titles, if any) — never invented content.
 */
import { capitalize, contentWords, extractDefinitions, splitSentences } from './text.js';

export interface ExplainPassage {
  slide_id: string;
  title: string;
  topic: string | null;
  notes: string;
  /** Retrieval score; 0 (or less) means not relevant. */
  rank: number;
}

export interface OfflineExplanation {
  topic: string;
  /** Markdown. */
  explanation: string;
  /** The slides the explanation quotes; empty when the topic is not in the course material. */
  sources: Array<{ slide_id: string; title: string }>;
}

const MAX_PASSAGES = 3;
const SENTENCES_PER_PASSAGE = 3;

/** Explains `topic` from `passages`; see the module comment. */
export function explainOffline(input: { topic: string; passages: readonly ExplainPassage[] }): OfflineExplanation {
  const topic = input.topic.trim().replace(/\s+/g, ' ');
  const wanted = new Set(contentWords(topic));
  const ranked = [...input.passages].sort((a, b) => b.rank - a.rank || a.slide_id.localeCompare(b.slide_id));
  const relevant = ranked.filter((p) => p.rank > 0 && covers(p, wanted)).slice(0, MAX_PASSAGES);

  if (relevant.length === 0) {
    const closest = unique(ranked.filter((p) => p.rank > 0 || sharedWords(p, wanted) > 0).map((p) => p.title)).slice(
      0,
      MAX_PASSAGES,
    );
    const lines = [
      `**${topic || 'This topic'}** is not in the course material, so there is nothing from the slides to explain it with.`,
    ];
    if (closest.length) {
      lines.push('', 'The closest slides of the course are:', '', ...closest.map((t) => `- ${t}`));
    }
    lines.push('', 'Ask your instructor about it, or pick one of the course topics.');
    return { topic, explanation: lines.join('\n'), sources: [] };
  }

  const parts: string[] = [`Let's go through **${topic}** again, step by step, using the course notes.`, ''];
  relevant.forEach((passage, i) => {
    const sentences = bestSentences(passage.notes, wanted);
    parts.push(`${i + 1}. From the slide **${passage.title}**: ${sentences.join(' ')}`);
  });
  parts.push('', `**Check yourself:** ${checkQuestion(relevant, wanted, topic)}`);
  parts.push('', `Sources: ${relevant.map((p) => `*${p.title}*`).join(', ')}.`);
  return {
    topic,
    explanation: parts.join('\n'),
    sources: relevant.map((p) => ({ slide_id: p.slide_id, title: p.title })),
  };
}

/** More than half of the topic's content words appear in the passage (title, topic or notes). */
function covers(passage: ExplainPassage, wanted: ReadonlySet<string>): boolean {
  return wanted.size > 0 && sharedWords(passage, wanted) * 2 > wanted.size;
}

function sharedWords(passage: ExplainPassage, wanted: ReadonlySet<string>): number {
  const words = new Set(contentWords(`${passage.title} ${passage.topic ?? ''} ${passage.notes}`));
  return [...wanted].filter((w) => words.has(w)).length;
}

/** Up to three sentences, in the notes' order: those sharing most topic words, definitions first among equals. */
function bestSentences(notes: string, wanted: ReadonlySet<string>): string[] {
  const sentences = splitSentences(notes);
  const scored = sentences.map((sentence, index) => {
    const words = new Set(contentWords(sentence));
    const hits = [...wanted].filter((w) => words.has(w)).length;
    const definitional = /^(?:(?:A|An|The)\s+)?[\w-]+(?:\s+[\w-]+){0,4}\s+(?:is|are)\s+(?:a|an|the|any)\b/.test(
      sentence,
    );
    return { sentence, index, score: hits * 2 + (definitional ? 1 : 0) - index * 0.01 };
  });
  const chosen = scored
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, SENTENCES_PER_PASSAGE);
  const picked = chosen.length ? chosen : scored.slice(0, 2);
  return picked.sort((a, b) => a.index - b.index).map((s) => s.sentence);
}

/** A cloze on the most relevant definition of the passages (answer given in italics), else a recall prompt. */
function checkQuestion(passages: readonly ExplainPassage[], wanted: ReadonlySet<string>, topic: string): string {
  for (const passage of passages) {
    const definitions = extractDefinitions({
      id: passage.slide_id,
      title: passage.title,
      topic: passage.topic,
      notes: passage.notes,
    });
    const best = definitions.find((d) => contentWords(d.term).some((w) => wanted.has(w))) ?? definitions[0];
    if (best) {
      return `Fill in the blank without looking — "____ ${best.copula} ${best.definition}." (slide *${passage.title}*; answer: *${capitalize(best.term)}*)`;
    }
  }
  return `Without looking at the notes, explain in two sentences what the slide *${passages[0]?.title ?? topic}* says about ${topic}.`;
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}
