/**
 * What a chat message asks for when no model is configured: a small table of patterns, tried in order, each mapping a
 * message to an intent with the arguments it names (a slide, a topic, a time range). Pure: no I/O, no session — the
 * caller runs the intent as the session's member. Students are never matched to instructor intents.
 */
import type { TimeRange } from '@class-assist/contracts';
import type { Role } from '../access/actor.js';

export type ChatIntent =
  /** A confusion ping on `slideId` (else the current slide); with `topic`, an explanation of it too. */
  | { kind: 'confusion'; slideId?: string; topic?: string }
  /** A practice quiz; `focus` as generate_quiz reads it (topics, `recent-topics`); none: the confusion zones. */
  | { kind: 'quiz'; focus?: string }
  | { kind: 'explain'; topic: string }
  /** The notes of `slideId`, else of the current slide. */
  | { kind: 'notes'; slideId?: string }
  /** Instructors only: a summary of the confusion heatmap. */
  | { kind: 'heatmap'; timeRange?: TimeRange }
  | { kind: 'help' };

interface Rule {
  /** Who the rule is for (everyone when absent). */
  role?: Role;
  pattern: RegExp;
  /** The intent for a match, or undefined to let the next rules try. */
  intent(match: RegExpExecArray, text: string): ChatIntent | undefined;
}

const NUMBER_WORDS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
];
const SLIDE = new RegExp(`\\bslides?\\s*(?:#|no\\.?|number)?\\s*-?\\s*(\\d{1,3}|${NUMBER_WORDS.join('|')})\\b`);
const THIS_SLIDE = /\b(?:this|the current|current|that) slide\b/;
const GREETING =
  /^(?:hi|hello|hey|there|everyone|hi there|hello there|thanks?|thank you|ok(?:ay)?|cool|great|yes|no|help|\?+)$/;
const FILLER =
  /(?:^|\s+)(?:to me|for me|please|again|simply|briefly|in simple terms|in plain english|more simply|pls|thanks?)$/;
/** Words that make a short message a sentence rather than a topic. */
const NOT_A_TOPIC =
  /\b(?:i|me|my|you|your|we|can|could|would|should|will|do|does|did|is|are|was|were|have|has|this|that|it|how|why|what|when|where|who|which|show|give|open|see|get|display|send|export|notify|assign|tell|let|make|want|need)\b/;

/** `slide-<n>` for the first slide a text names ("slide 4", "slide-4", "slide #4", "slide four"). */
export function slideIn(text: string): string | undefined {
  const found = SLIDE.exec(text)?.[1];
  if (found === undefined) return undefined;
  const n = /^\d+$/.test(found) ? Number(found) : NUMBER_WORDS.indexOf(found);
  return n > 0 ? `slide-${n}` : undefined;
}

/** A topic as the user wrote it, without the article, trailing punctuation and politeness around it. */
export function cleanTopic(raw: string): string {
  let topic = raw.trim().replace(/[\s?!.,;:]+$/, '');
  for (let previous = ''; previous !== topic; ) {
    previous = topic;
    topic = topic
      .replace(FILLER, '')
      .replace(/^(?:the|a|an|about|what|how)\s+/, '')
      .replace(/[\s?!.,;:]+$/, '')
      .trim();
  }
  return topic.replace(/\bis$|\bmeans?$|\bworks?$/, '').trim();
}

const timeRangeIn = (text: string): TimeRange | undefined =>
  /\b(?:last|past) hour\b/.test(text) ? 'last_hour' : /\b(?:this|the) week\b/.test(text) ? 'this_week' : undefined;

/** Notes when the "topic" is a slide (explain slide 3, what is on this slide), else an explanation. */
function explainOrNotes(topic: string): ChatIntent | undefined {
  const slideId = slideIn(topic);
  if (slideId) return { kind: 'notes', slideId };
  if (THIS_SLIDE.test(topic) || /^(?:on )?(?:this|it|that)$/.test(topic)) return { kind: 'notes' };
  const clean = cleanTopic(topic);
  if (clean === '' || GREETING.test(clean)) return undefined;
  return { kind: 'explain', topic: clean };
}

function quizFocus(rest = ''): ChatIntent {
  if (/\b(?:recent|today'?s?|this lecture|what we (?:just )?(?:covered|did|learned|saw)|so far)\b/.test(rest))
    return { kind: 'quiz', focus: 'recent-topics' };
  const topic = cleanTopic(rest);
  if (topic === '' || /\b(?:confus|struggl|weak|lost|what i (?:got|get) wrong)/.test(rest)) return { kind: 'quiz' };
  return { kind: 'quiz', focus: topic };
}

const EXPLAIN =
  /^(?:can you |could you |please |pls )*(?:re-?explain|explain|define|describe|summari[sz]e|clarify|tell me (?:about|what)|teach me(?: about)?|help me (?:understand|with)|what(?:'s| is| are| does| do)(?: an?| the)?(?: meant by)?|what's|whats|how (?:does|do|is|are)|why (?:does|do|is|are)|i don'?t (?:understand|get)|meaning of)\s+(.+)/;

/** The table, first match wins. */
const RULES: Rule[] = [
  {
    pattern: /^(?:help|what can you do|what do you do|how do(?:es)? (?:this|you) work|commands|menu)\b/,
    intent: () => ({ kind: 'help' }),
  },
  {
    role: 'instructor',
    pattern:
      /\b(?:heat ?map|how (?:confused|lost) (?:is|are) (?:the|my) (?:class|students|room)|(?:class|students?)'? confusion|confusion (?:levels?|summary|report|data)|who(?:'s| is) (?:confused|lost)|which slides? (?:are|is|were|was) (?:the )?(?:most )?confus)/,
    intent: (_match, text) => ({ kind: 'heatmap', ...optional('timeRange', timeRangeIn(text)) }),
  },
  {
    // Instructor features not covered above (or named by a student): the help text (which lists only what the role can do).
    pattern: /\b(?:heat ?map|export|notify|message (?:the )?students|assign)\b/,
    intent: () => ({ kind: 'help' }),
  },
  {
    role: 'student',
    pattern:
      /^(?:i'?m|i am|im|i feel|feeling|i'?m feeling|so|totally|completely|really|very)?\s*(?:so |totally |completely |really |very |a bit |kind of )?(?:lost|confused|stuck)\b(?:\s+(?:on|about|by|with|at|in)\s+(.+))?/,
    intent: (match, text) => confusion(match[1], text.slice(match[0].length)),
  },
  {
    role: 'student',
    pattern:
      /^(?:i (?:don'?t|do not|can'?t|cannot) (?:understand|get|follow)(?: this slide| this| it| that)?|(?:this|that|the current) slide is (?:confusing|unclear|hard)|(?:this is )?confusing)(?:\s+(?:on|about)?\s*(.+))?$/,
    intent: (match) => confusion(match[1]),
  },
  {
    pattern:
      /\b(?:(?:quiz|test|drill|examine) me|(?:a |another |some )?(?:practice )?(?:quiz|test|questions?) (?:me )?(?:on|about|for|to practi[cs]e)|(?:give me|make|generate|start|create|take|want|get|run) (?:me )?(?:a |another |some |the )?(?:practice |short |quick )?(?:quiz|test|practice questions))\b(?:\s+(?:on|about|for|over|covering)\s+(.+)|\s+(.+))?/,
    intent: (match) => quizFocus(match[1] ?? match[2]),
  },
  {
    pattern: /^(?:practice )?quiz\b(?:\s+(?:on|about)\s+(.+))?$/,
    intent: (match) => quizFocus(match[1]),
  },
  {
    pattern: /\bnotes?\b|\bwhat(?:'s| is| was) on (?:slide|this slide|the slide)|\bslide\s*\d+\s*(?:notes|content)/,
    intent: (_match, text) => {
      const slideId = slideIn(text);
      if (slideId) return { kind: 'notes', slideId };
      // "notes on overfitting" names a topic, not a slide: the notes explain it.
      const topic = /\bnotes? (?:on|about|for) (.+)/.exec(text)?.[1];
      if (topic && !THIS_SLIDE.test(topic)) return explainOrNotes(topic);
      return { kind: 'notes' };
    },
  },
  {
    pattern: EXPLAIN,
    intent: (match) => explainOrNotes(match[1] ?? ''),
  },
];

/** A confusion ping, on the slide `rest` names, with the topic it (or an explain request in `tail`) names. */
function confusion(rest: string | undefined, tail = ''): ChatIntent {
  const slideId = rest ? slideIn(rest) : undefined;
  if (!rest) {
    // "I'm confused, can you explain gradient descent?"
    const asked = EXPLAIN.exec(tail.replace(/^[\s,.;:!-]+(?:and |but |so )?/, ''))?.[1];
    const intent = asked ? explainOrNotes(asked) : undefined;
    return { kind: 'confusion', ...optional('topic', intent?.kind === 'explain' ? intent.topic : undefined) };
  }
  if (slideId || THIS_SLIDE.test(rest) || /^(?:this|it|that|here)\b/.test(rest.trim()))
    return { kind: 'confusion', ...optional('slideId', slideId) };
  const topic = cleanTopic(rest);
  return { kind: 'confusion', ...optional('topic', topic || undefined) };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** What `message` asks for, for a member of `role`. Anything not understood is `help`. */
export function matchIntent(message: string, role: Role): ChatIntent {
  const text = message
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^(?:hi|hey|hello|ok(?:ay)?|so|um+|uh+)[,!.]?\s+/, '');
  if (text === '' || GREETING.test(text)) return { kind: 'help' };
  for (const rule of RULES) {
    if (rule.role && rule.role !== role) continue;
    const match = rule.pattern.exec(text);
    if (!match) continue;
    const intent = rule.intent(match, text);
    if (intent) return intent;
  }
  return bareTopic(text) ?? { kind: 'help' };
}

/** A short question that is just a topic ("gradient descent?") asks for an explanation; a bare slide, for its notes. */
function bareTopic(text: string): ChatIntent | undefined {
  const topic = cleanTopic(text);
  const slideId = slideIn(topic);
  if (slideId && topic.split(' ').length <= 2) return { kind: 'notes', slideId };
  const words = topic.split(' ').filter(Boolean);
  if (!text.endsWith('?') || words.length === 0 || words.length > 5) return undefined;
  if (!/^[a-z0-9' -]+$/.test(topic) || NOT_A_TOPIC.test(text) || GREETING.test(topic)) return undefined;
  return { kind: 'explain', topic };
}
