/**
 * Validation around `.widget` files: a state against the file's `jsonSchema`, and a rendered widget against
 * `widget-components.schema.json`, the ChatKit component tree (every component's props, so a misspelled prop, an
 * unknown component or a component in the wrong place fails). Problems are named by their path in the state or tree.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ErrorDetail } from '../errors.js';
import componentsSchema from './widget-components.schema.json' with { type: 'json' };
import type { WidgetRoot } from './widget-template.js';

/** A state or rendered widget that does not satisfy its schema; `details` lists every problem by path. */
export class WidgetValidationError extends Error {
  readonly details: ErrorDetail[];

  constructor(subject: string, details: ErrorDetail[]) {
    const summary = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ');
    super(`Invalid ${subject}: ${summary}`);
    this.name = 'WidgetValidationError';
    this.details = details;
  }
}

// verbose: errors carry their parentSchema, which names the component a bad prop belongs to.
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, discriminator: true, verbose: true });
// ajv-formats is CommonJS: under ESM its plugin is the `default` property of the module.
addFormatsModule.default(ajv);

const validateTree = ajv.compile(componentsSchema);
const stateValidators = new WeakMap<object, ValidateFunction>();

/** Problems of `state` against a `.widget` file's `jsonSchema` (compiled once per schema object); [] when valid. */
export function stateErrors(jsonSchema: Record<string, unknown>, state: unknown): ErrorDetail[] {
  let validate = stateValidators.get(jsonSchema);
  if (!validate) {
    validate = ajv.compile(jsonSchema);
    stateValidators.set(jsonSchema, validate);
  }
  return validate(state) ? [] : describeErrors(validate.errors ?? [], false);
}

/** Problems of a rendered widget against the ChatKit component schema; [] when valid. */
export function widgetTreeErrors(root: unknown): ErrorDetail[] {
  return validateTree(root) ? [] : describeErrors(validateTree.errors ?? [], true);
}

/** Throws WidgetValidationError unless `state` satisfies `jsonSchema`; `subject` names the widget in the message. */
export function assertValidState(jsonSchema: Record<string, unknown>, state: unknown, subject: string): void {
  const details = stateErrors(jsonSchema, state);
  if (details.length > 0) throw new WidgetValidationError(`state for ${subject}`, details);
}

/** Throws WidgetValidationError unless `root` is a valid ChatKit widget; `subject` names the widget in the message. */
export function assertValidWidgetTree(root: unknown, subject: string): asserts root is WidgetRoot {
  const details = widgetTreeErrors(root);
  if (details.length > 0) throw new WidgetValidationError(`widget rendered by ${subject}`, details);
}

function describeErrors(errors: ErrorObject[], tree: boolean): ErrorDetail[] {
  const kept = explainAnyOf(errors.filter((e) => e.keyword !== 'if')); // an `if`'s `then` errors say what is wrong
  const seen = new Set<string>();
  const details: ErrorDetail[] = [];
  for (const error of kept) {
    const detail = describe(error, tree);
    const key = `${detail.path}|${detail.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      details.push(detail);
    }
  }
  return details;
}

/**
 * A failed anyOf (`null` or an object, a number or a spacing object) reports every branch. When the value had a
 * branch's shape, that branch's specific errors (a bad or unknown field) explain it: drop the shape mismatches. When
 * it had no branch's shape, say so once: "must be null or object".
 */
function explainAnyOf(errors: ErrorObject[]): ErrorObject[] {
  let out = errors;
  for (const anyOf of errors.filter((e) => e.keyword === 'anyOf')) {
    const at = anyOf.instancePath;
    const inside = (e: ErrorObject) => e.instancePath === at || e.instancePath.startsWith(`${at}/`);
    const shape = (e: ErrorObject) => e.instancePath === at && (e.keyword === 'type' || e.keyword === 'anyOf');
    if (out.some((e) => inside(e) && !shape(e))) {
      out = out.filter((e) => !shape(e));
    } else {
      const types = out.filter((e) => shape(e) && e.keyword === 'type').flatMap((e) => [e.params.type].flat());
      const merged: ErrorObject = { ...anyOf, keyword: 'type', params: { type: [...new Set(types)] } };
      out = [...out.filter((e) => !shape(e)), merged];
    }
  }
  return out;
}

function describe(error: ErrorObject, tree: boolean): ErrorDetail {
  const params = error.params as Record<string, unknown>;
  const parts = pointerParts(error.instancePath);
  // In the tree, name the component a prop belongs to: "not a prop of Button".
  const component = tree ? componentOf(error.parentSchema) : undefined;
  switch (error.keyword) {
    case 'required':
      return {
        path: toPath([...parts, String(params.missingProperty)]),
        message: component ? `is required on ${component}` : 'is required',
      };
    case 'additionalProperties':
      return {
        path: toPath([...parts, String(params.additionalProperty)]),
        message: component ? `is not a prop of ${component}` : 'is not allowed here',
      };
    case 'discriminator':
      return params.error === 'mapping'
        ? {
            path: toPath([...parts, 'type']),
            message: `${quote(params.tagValue)} is not ${isComponentType(params.tagValue) ? 'a component allowed' : 'allowed'} here`,
          }
        : {
            path: toPath([...parts, 'type']),
            message: (error.data as Record<string, unknown>)?.type === undefined ? 'is required' : 'must be string',
          };
    case 'enum':
      return {
        path: toPath(parts),
        message: `must be one of: ${(params.allowedValues as unknown[]).map(quote).join(', ')}`,
      };
    case 'const':
      return { path: toPath(parts), message: `must be ${quote(params.allowedValue)}` };
    case 'type':
      return { path: toPath(parts), message: `must be ${[params.type].flat().flatMap(splitTypes).join(' or ')}` };
    case 'anyOf':
      return { path: toPath(parts), message: 'does not match any allowed form' };
    default:
      return { path: toPath(parts), message: error.message ?? 'is invalid' };
  }
}

/** ajv reports a union type as "number,string". */
function splitTypes(type: unknown): string[] {
  return String(type).split(',');
}

function pointerParts(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** ['children', '2', 'label'] → `children[2].label`. */
function toPath(parts: string[]): string {
  return parts.reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

/** The component a schema describes (its capitalised `type` const: not a Chart series' "bar"), if it describes one. */
function componentOf(schema: unknown): string | undefined {
  const type = (schema as { properties?: { type?: { const?: unknown } } } | undefined)?.properties?.type?.const;
  return isComponentType(type) ? type : undefined;
}

/** Component types are capitalised ("Card", "Table.Row"); other tags (a Chart series' "bar") are not. */
function isComponentType(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Z]/.test(value);
}

function quote(value: unknown): string {
  return JSON.stringify(value);
}
