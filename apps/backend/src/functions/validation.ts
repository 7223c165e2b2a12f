/**
 * Argument validation for the nine functions. The schemas served to agents are the specification's, verbatim; the
 * schemas enforced here are those plus the constraints the specification leaves to the implementation (non-empty ids,
 * date-time format, enums, lengths) and no unknown parameters. Every transport validates through this module.
 */
import { FUNCTION_DEFINITIONS, type FunctionName, type JsonSchema, TIME_RANGES } from '@class-assist/contracts';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { type ErrorDetail, validationError } from '../errors.js';

const NO_CONTROL_CHARS = '^[^\\u0000-\\u001F\\u007F]*$';
const NOT_BLANK = '\\S';
// PostgreSQL cannot store NUL in text: free text may hold other control characters (newlines, tabs), not NUL.
const NO_NUL = '^[^\\u0000]*$';
/** An id (user, course, slide): 1–255 characters, not blank, no control characters. */
export const ID: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  pattern: NO_CONTROL_CHARS,
  allOf: [{ pattern: NOT_BLANK }],
};
/** Free text: 1–`maxLength` characters, not blank, no NUL. */
export const TEXT = (maxLength: number): JsonSchema => ({
  minLength: 1,
  maxLength,
  pattern: NOT_BLANK,
  allOf: [{ pattern: NO_NUL }],
});

/** Constraints added to each parameter, and parameters the implementation accepts beyond the specification's. */
const RULES: Record<FunctionName, { constrain?: Record<string, JsonSchema>; extra?: Record<string, JsonSchema> }> = {
  track_confusion: { constrain: { user_id: ID, course_id: ID, slide_id: ID, timestamp: { format: 'date-time' } } },
  submit_question: { constrain: { user_id: ID, course_id: ID, question_body: TEXT(5_000) } },
  // The specification gives `focus` examples ("e.g., 'confusion-zones', 'recent-topics'"): any other text names topics.
  generate_quiz: { constrain: { user_id: ID, course_id: ID, focus: TEXT(200) } },
  explain_topic: { constrain: { user_id: ID, course_id: ID, topic: TEXT(500) } },
  fetch_notes: { constrain: { user_id: ID, course_id: ID, slide_id: ID } },
  get_confusion_heatmap: {
    constrain: { course_id: ID, time_range: { enum: [...TIME_RANGES] } },
    extra: {
      limit: { type: 'integer', minimum: 1, maximum: 500, description: 'Slides per page (default 100)' },
      cursor: { type: 'string', maxLength: 200, description: 'next_cursor of the previous page' },
    },
  },
  export_confusion_data: { constrain: { course_id: ID } },
  notify_students_via_lms: { constrain: { course_id: ID, message: TEXT(10_000) } },
  assign_remedial_quiz: {
    constrain: { course_id: ID, topics: { maxItems: 20, items: { type: 'string', ...TEXT(200) } } },
  },
};

/** The schema a function's arguments are checked against: the specification's, tightened by RULES. */
export function enforcedSchema(name: FunctionName): JsonSchema {
  const definition = FUNCTION_DEFINITIONS.find((fn) => fn.name === name);
  if (!definition) throw new Error(`No definition for ${name}`);
  const { constrain = {}, extra = {} } = RULES[name];
  const properties: Record<string, JsonSchema> = {};
  for (const [key, schema] of Object.entries(definition.parameters.properties)) {
    properties[key] = { ...schema, ...constrain[key] };
  }
  return { ...definition.parameters, properties: { ...properties, ...extra }, additionalProperties: false };
}

const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: false, useDefaults: false });
// ajv-formats is CommonJS: under ESM its plugin is the `default` property of the module.
addFormatsModule.default(ajv, ['date-time']);

const validators = new Map<string, ValidateFunction>();

/**
 * A validator for any other input (session bodies, admin requests) with the same rules and error details as the
 * functions': returns the value typed, or throws AppError('validation_failed') naming each field.
 */
export function compileValidator<T>(schema: JsonSchema, subject: string): (value: unknown) => T {
  const validate = ajv.compile(schema);
  return (value) => {
    if (validate(value)) return value as T;
    throw validationError(describeErrors(validate.errors ?? []), subject);
  };
}

/** Compiles (once) the validator of function `name`: a schema ajv refuses fails here, at start, not at a call. */
export function compileArgs(name: string, schema: JsonSchema): ValidateFunction {
  let validate = validators.get(name);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(name, validate);
  }
  return validate;
}

/** Returns `args` typed when they satisfy `schema` (function `name`'s); throws AppError('validation_failed'). */
export function validateArgs<T>(name: string, schema: JsonSchema, args: unknown): T {
  const validate = compileArgs(name, schema);
  if (validate(args)) return args as T;
  throw validationError(describeErrors(validate.errors ?? []), `arguments for ${name}`);
}

/** An object schema of these properties, all required but `optional`, and no others. */
export function objectSchema(properties: Record<string, JsonSchema>, optional: readonly string[] = []): JsonSchema {
  return {
    type: 'object',
    properties,
    required: Object.keys(properties).filter((key) => !optional.includes(key)),
    additionalProperties: false,
  };
}

/** One detail per field (the first problem found), in the order ajv reports them. */
function describeErrors(errors: ErrorObject[]): ErrorDetail[] {
  const byPath = new Map<string, ErrorDetail>();
  for (const error of errors) {
    const detail = describe(error);
    if (!byPath.has(detail.path)) byPath.set(detail.path, detail);
  }
  return [...byPath.values()];
}

/** `/topics/2` → `topics[2]`. */
function toPath(pointer: string, child?: string): string {
  const parts = pointer.split('/').slice(1);
  if (child !== undefined) parts.push(child);
  return parts.reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function describe(error: ErrorObject): ErrorDetail {
  const params = error.params as Record<string, unknown>;
  const path = toPath(error.instancePath);
  switch (error.keyword) {
    case 'required':
      return { path: toPath(error.instancePath, String(params.missingProperty)), message: 'is required' };
    case 'additionalProperties':
      return {
        path: toPath(error.instancePath, String(params.additionalProperty)),
        message: 'is not a parameter of this function',
      };
    case 'type':
      return path === ''
        ? { path, message: 'The body must be a JSON object' }
        : { path, message: `must be ${article(String(params.type))}` };
    case 'enum':
      return { path, message: `must be one of: ${(params.allowedValues as unknown[]).join(', ')}` };
    case 'format':
      return { path, message: 'must be an ISO 8601 date-time with a time zone, e.g. 2025-01-15T10:30:00Z' };
    case 'minLength':
      return { path, message: 'must not be empty' };
    case 'maxLength':
      return { path, message: `must be at most ${params.limit} characters` };
    case 'maxItems':
      return { path, message: `must have at most ${params.limit} items` };
    case 'minimum':
    case 'maximum':
      return { path, message: `must be ${error.keyword === 'minimum' ? 'at least' : 'at most'} ${params.limit}` };
    case 'pattern':
      return {
        path,
        message: params.pattern === NOT_BLANK ? 'must not be blank' : 'must not contain control characters',
      };
    default:
      return { path, message: error.message ?? 'is invalid' };
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
