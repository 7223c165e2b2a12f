/**
 * The one registry of the nine functions: the specification's definition of each, and its handler. HTTP, MCP and
 * ChatKit are derived from it; each call is validated here, timed, counted and logged here, and never logs an
 * anonymous author.
 */
import {
  FUNCTION_DEFINITIONS,
  type FunctionArgs,
  type FunctionDefinition,
  type FunctionName,
  isFunctionName,
} from '@class-assist/contracts';
import type { Logger } from 'pino';
import type { Actor } from '../domain/actor.js';
import { trackConfusion } from '../domain/confusion.service.js';
import type { DomainDeps } from '../domain/deps.js';
import { type ExportStream, exportConfusionData } from '../domain/export.service.js';
import { getHeatmap } from '../domain/heatmap.service.js';
import { assignRemedialQuiz, notifyStudents } from '../domain/intervention.service.js';
import { fetchNotes } from '../domain/notes.service.js';
import { submitQuestion } from '../domain/questions.service.js';
import { explainTopic, generateQuiz } from '../domain/study.service.js';
import { AppError } from '../errors.js';
import { validateArgs } from './validation.js';

/** What a function returns: a JSON document, or a document streamed in chunks (exports). */
export type FunctionOutcome = { kind: 'json'; body: object } | { kind: 'stream'; stream: ExportStream };

/** What a transport knows of a call besides its arguments. */
export interface CallOptions {
  /** The caller's Idempotency-Key (HTTP header), or the widget's confirmation id: the same key, the same outcome. */
  idempotencyKey?: string;
}

type Handler<N extends FunctionName> = (
  deps: DomainDeps,
  actor: Actor,
  args: FunctionArgs[N],
  options: CallOptions,
) => Promise<object>;

const json =
  <N extends FunctionName>(handler: Handler<N>) =>
  async (deps: DomainDeps, actor: Actor, args: FunctionArgs[N], options: CallOptions): Promise<FunctionOutcome> => ({
    kind: 'json',
    body: await handler(deps, actor, args, options),
  });

const HANDLERS: {
  [N in FunctionName]: (
    deps: DomainDeps,
    actor: Actor,
    args: FunctionArgs[N],
    options: CallOptions,
  ) => Promise<FunctionOutcome>;
} = {
  track_confusion: json<'track_confusion'>(trackConfusion),
  submit_question: json<'submit_question'>(submitQuestion),
  generate_quiz: json<'generate_quiz'>(generateQuiz),
  explain_topic: json<'explain_topic'>(explainTopic),
  fetch_notes: json<'fetch_notes'>(fetchNotes),
  get_confusion_heatmap: json<'get_confusion_heatmap'>(getHeatmap),
  export_confusion_data: async (deps, actor, args) => ({
    kind: 'stream',
    stream: await exportConfusionData(deps, actor, args),
  }),
  notify_students_via_lms: json<'notify_students_via_lms'>(notifyStudents),
  assign_remedial_quiz: json<'assign_remedial_quiz'>(assignRemedialQuiz),
};

export interface FunctionRegistry {
  /** The nine definitions, exactly as the specification writes them. */
  definitions: readonly FunctionDefinition[];
  has(name: string): name is FunctionName;
  /** Validates `args`, checks access, runs the function. Throws AppError for anything the caller got wrong. */
  invoke(name: string, actor: Actor, args: unknown, options?: CallOptions): Promise<FunctionOutcome>;
}

export function createRegistry(deps: DomainDeps, log: Logger): FunctionRegistry {
  const calls = log.child({ module: 'functions' });
  const record = (name: FunctionName, outcome: string, ms: number) => {
    deps.metrics?.functionCalls.inc({ function: name, outcome });
    deps.metrics?.functionDuration.observe({ function: name }, ms / 1000);
  };
  return {
    definitions: FUNCTION_DEFINITIONS,
    has: isFunctionName,
    async invoke(name, actor, args, options = {}) {
      if (!isFunctionName(name)) throw new AppError('unknown_function', `There is no function named "${name}"`);
      const started = performance.now();
      const fields = logFields(name, actor, args);
      try {
        const valid = validateArgs<FunctionArgs[typeof name]>(name, args);
        const handler = HANDLERS[name] as (
          d: DomainDeps,
          a: Actor,
          x: unknown,
          o: CallOptions,
        ) => Promise<FunctionOutcome>;
        const outcome = await handler(deps, actor, valid, options);
        const ms = elapsed(started);
        calls.info({ ...fields, outcome: 'ok', duration_ms: ms }, 'function call');
        record(name, 'ok', ms);
        return outcome;
      } catch (err) {
        const code = err instanceof AppError ? err.code : 'internal';
        const level = code === 'internal' || code === 'unavailable' ? 'error' : 'info';
        const ms = elapsed(started);
        calls[level](
          { ...fields, outcome: code, duration_ms: ms, ...(level === 'error' ? { err } : {}) },
          'function call',
        );
        record(name, code, ms);
        throw err;
      }
    },
  };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

/** Course and user of a call for the log line; an anonymous question's author is never logged. */
function logFields(name: FunctionName, actor: Actor, args: unknown): Record<string, unknown> {
  const fields: Record<string, unknown> = { fn: name, caller: actor.kind };
  if (args && typeof args === 'object') {
    const { course_id, user_id, anonymous } = args as Record<string, unknown>;
    if (typeof course_id === 'string') fields.course_id = course_id.slice(0, 255);
    if (typeof user_id === 'string' && anonymous !== true) fields.user_id = user_id.slice(0, 255);
  }
  return fields;
}
