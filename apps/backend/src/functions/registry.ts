/**
 * The one registry of Class Assist's functions, and the only way into the domain for the transports: the nine of the
 * specification (and those added beside them), public over HTTP, MCP and ChatKit; and the internal ones — the
 * widget's steps (quiz, slide, export link, intervention previews, its state), joining a course, and the admin
 * routes' commands (material, LMS connection, roster, intervention progress, quiz files) — reached only by the
 * transports' own routes, never by name from an agent. Each call is
 * validated here against the function's schema, timed, counted and logged here, and never logs an anonymous author.
 */
import type { FunctionDefinition, FunctionName } from '@class-assist/contracts';
import type { Logger } from 'pino';
import type { Actor } from '../access/actor.js';
import type { DomainDeps } from '../domain/deps.js';
import { AppError } from '../errors.js';
import { answerQuizQuestionFunction } from './answer-quiz-question.function.js';
import { assignRemedialQuizFunction } from './assign-remedial-quiz.function.js';
import { confirmRemedialQuizFunction } from './confirm-remedial-quiz.function.js';
import { explainTopicFunction } from './explain-topic.function.js';
import { exportConfusionDataFunction } from './export-confusion-data.function.js';
import { exportQuizFunction } from './export-quiz.function.js';
import { fetchNotesFunction } from './fetch-notes.function.js';
import type { CallOptions, FunctionSpec } from './function.js';
import { generateQuizFunction } from './generate-quiz.function.js';
import { getConfusionHeatmapFunction } from './get-confusion-heatmap.function.js';
import { getInterventionFunction } from './get-intervention.function.js';
import { getWidgetStateFunction } from './get-widget-state.function.js';
import { importMaterialFunction } from './import-material.function.js';
import { issueExportLinkFunction } from './issue-export-link.function.js';
import { joinCourseFunction } from './join-course.function.js';
import {
  deleteLmsConnectionFunction,
  getLmsConnectionFunction,
  setLmsConnectionFunction,
} from './lms-connection.function.js';
import { loadRosterFunction } from './load-roster.function.js';
import { nextQuizQuestionFunction } from './next-quiz-question.function.js';
import { notifyStudentsFunction } from './notify-students-via-lms.function.js';
import { previewNotificationFunction } from './preview-notification.function.js';
import { previewRemedialQuizFunction } from './preview-remedial-quiz.function.js';
import { setCurrentSlideFunction } from './set-current-slide.function.js';
import { startQuizAttemptFunction } from './start-quiz-attempt.function.js';
import { submitQuestionFunction } from './submit-question.function.js';
import { trackConfusionFunction } from './track-confusion.function.js';
import { compileArgs, validateArgs } from './validation.js';

export type { CallOptions } from './function.js';

/** Every function by name; the nine first, in the specification's order. */
const FUNCTIONS = {
  track_confusion: trackConfusionFunction,
  submit_question: submitQuestionFunction,
  generate_quiz: generateQuizFunction,
  explain_topic: explainTopicFunction,
  fetch_notes: fetchNotesFunction,
  get_confusion_heatmap: getConfusionHeatmapFunction,
  export_confusion_data: exportConfusionDataFunction,
  notify_students_via_lms: notifyStudentsFunction,
  assign_remedial_quiz: assignRemedialQuizFunction,
  start_quiz_attempt: startQuizAttemptFunction,
  answer_quiz_question: answerQuizQuestionFunction,
  next_quiz_question: nextQuizQuestionFunction,
  set_current_slide: setCurrentSlideFunction,
  issue_export_link: issueExportLinkFunction,
  preview_notification: previewNotificationFunction,
  preview_remedial_quiz: previewRemedialQuizFunction,
  confirm_remedial_quiz: confirmRemedialQuizFunction,
  get_widget_state: getWidgetStateFunction,
  join_course: joinCourseFunction,
  get_intervention: getInterventionFunction,
  export_quiz: exportQuizFunction,
  import_material: importMaterialFunction,
  set_lms_connection: setLmsConnectionFunction,
  get_lms_connection: getLmsConnectionFunction,
  delete_lms_connection: deleteLmsConnectionFunction,
  load_roster: loadRosterFunction,
} as const;

type Functions = typeof FUNCTIONS;
export type CommandName = keyof Functions;
/** The arguments of each function, as its schema admits them. */
export type Args<N extends CommandName> = Parameters<Functions[N]['run']>[2];
/** What each function returns. */
export type Result<N extends CommandName> = Awaited<ReturnType<Functions[N]['run']>>;

// Checked once, at start: every entry is a function under its own name, with a schema that compiles.
for (const [name, spec] of Object.entries(FUNCTIONS) as Array<[string, FunctionSpec<never, unknown>]>) {
  if (spec.name !== name) throw new Error(`Function ${spec.name} is registered as ${name}`);
  compileArgs(name, spec.schema);
}

const PUBLIC_DEFINITIONS: readonly FunctionDefinition[] = Object.freeze(
  Object.values(FUNCTIONS).flatMap((spec: FunctionSpec<never, unknown>) => (spec.definition ? [spec.definition] : [])),
);
const PUBLIC_NAMES: ReadonlySet<string> = new Set(PUBLIC_DEFINITIONS.map((definition) => definition.name));

export interface FunctionRegistry {
  /** The public definitions (the nine, exactly as the specification writes them, first). */
  definitions: readonly FunctionDefinition[];
  /** True for a function agents may call (HTTP, MCP, the chat model's tools). */
  isPublic(name: string): name is FunctionName;
  /** Validates `args`, checks access (in the domain), runs the function. Throws AppError for a caller's mistake. */
  invoke<N extends CommandName>(name: N, actor: Actor, args: Args<N>, options?: CallOptions): Promise<Result<N>>;
  /**
   * For transports whose input is untyped (HTTP bodies, MCP arguments, a model's tool calls): public functions only;
   * any other name is unknown_function.
   */
  invokePublic(name: string, actor: Actor, args: unknown, options?: CallOptions): Promise<unknown>;
}

export function createRegistry(deps: DomainDeps, log: Logger): FunctionRegistry {
  const calls = log.child({ module: 'functions' });
  const record = (name: string, outcome: string, ms: number) => {
    deps.metrics?.functionCalls.inc({ function: name, outcome });
    deps.metrics?.functionDuration.observe({ function: name }, ms / 1000);
  };
  const run = async (name: CommandName, actor: Actor, args: unknown, options: CallOptions): Promise<unknown> => {
    const spec = FUNCTIONS[name] as FunctionSpec<unknown, unknown>;
    const started = performance.now();
    const fields = logFields(name, actor, args);
    try {
      const valid = validateArgs<unknown>(name, spec.schema, args);
      const result = await spec.run(deps, actor, valid, options);
      const ms = elapsed(started);
      calls.info({ ...fields, outcome: 'ok', duration_ms: ms }, 'function call');
      record(name, 'ok', ms);
      return result;
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
  };
  const isPublic = (name: string): name is FunctionName => PUBLIC_NAMES.has(name);
  return {
    definitions: PUBLIC_DEFINITIONS,
    isPublic,
    invoke: (name, actor, args, options = {}) => run(name, actor, args, options) as Promise<Result<typeof name>>,
    invokePublic(name, actor, args, options = {}) {
      if (!isPublic(name)) throw new AppError('unknown_function', `There is no function named "${name}"`);
      return run(name, actor, args, options);
    },
  };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

/** Course and user of a call for the log line; an anonymous question's author is never logged. */
function logFields(name: string, actor: Actor, args: unknown): Record<string, unknown> {
  const fields: Record<string, unknown> = { fn: name, caller: actor.kind };
  if (args && typeof args === 'object') {
    const { course_id, user_id, anonymous } = args as Record<string, unknown>;
    if (typeof course_id === 'string') fields.course_id = course_id.slice(0, 255);
    if (typeof user_id === 'string' && anonymous !== true) fields.user_id = user_id.slice(0, 255);
  }
  return fields;
}
