/**
 * ChatKit `.widget` files (the Widget Builder's export) rendered in Node the way openai-chatkit's Python
 * `WidgetTemplate.build` renders them: the Jinja `template` is rendered with the state (here with nunjucks, autoescape
 * off, a `tojson` filter that refuses undefined values as Jinja's StrictUndefined does), parsed as JSON, required to
 * have a Card, ListView or Basic root, and stripped of null values (except `children`) and null list items.
 */
import { readFileSync } from 'node:fs';
import nunjucks from 'nunjucks';

export const WIDGET_ROOT_TYPES = ['Card', 'ListView', 'Basic'] as const;
export type WidgetRootType = (typeof WIDGET_ROOT_TYPES)[number];

/** One rendered component: its `type` and its props (`children` holds nested components). */
export interface WidgetNode {
  type: string;
  children?: WidgetNode[] | WidgetNode | null;
  [prop: string]: unknown;
}

/** A rendered widget, ready to be sent in a ChatKit widget item. */
export interface WidgetRoot extends WidgetNode {
  type: WidgetRootType;
}

/** The JSON of a `.widget` file. */
export interface WidgetFile {
  version: '1.0';
  name: string;
  /** Jinja source that renders to the widget's JSON. */
  template: string;
  /** JSON Schema of the state the template expects. */
  jsonSchema: Record<string, unknown>;
  /** What the template renders from the Builder's default state. */
  outputJsonPreview: Record<string, unknown>;
  /** base64url of the Builder's working copy (view source, default state, schema). */
  encodedWidget: string;
}

/** A loaded `.widget` file, compiled once, rendering any number of states. */
export interface WidgetTemplate {
  /** The file it was loaded from (as given), named in every error. */
  readonly path: string;
  readonly file: WidgetFile;
  /** Renders `state`; throws WidgetTemplateError when the template fails or renders something that is not a widget. */
  render(state?: object): WidgetRoot;
}

/** A `.widget` file that cannot be read, compiled or rendered; the message names the file and what failed. */
export class WidgetTemplateError extends Error {
  readonly file: string;

  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem}`, options);
    this.name = 'WidgetTemplateError';
    this.file = file;
  }
}

const REQUIRED_KEYS: Record<keyof WidgetFile, 'string' | 'object'> = {
  version: 'string',
  name: 'string',
  template: 'string',
  jsonSchema: 'object',
  outputJsonPreview: 'object',
  encodedWidget: 'string',
};

/** Reads, checks and compiles a `.widget` file. */
export function loadWidgetTemplate(path: string): WidgetTemplate {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new WidgetTemplateError(path, `cannot read the file: ${messageOf(err)}`, { cause: err });
  }
  return compileWidgetTemplate(parseWidgetFile(text, path), path);
}

/** Parses the text of a `.widget` file and checks its version and keys. `path` only names the file in errors. */
export function parseWidgetFile(text: string, path: string): WidgetFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new WidgetTemplateError(path, `not a .widget file: invalid JSON (${messageOf(err)})`, { cause: err });
  }
  if (!isObject(json)) throw new WidgetTemplateError(path, 'not a .widget file: the JSON is not an object');
  const problems: string[] = [];
  for (const [key, kind] of Object.entries(REQUIRED_KEYS)) {
    const value = json[key];
    if (value === undefined) problems.push(`"${key}" is missing`);
    else if (kind === 'object' ? !isObject(value) : typeof value !== 'string')
      problems.push(`"${key}" must be ${kind === 'object' ? 'an object' : 'a string'}`);
  }
  if (problems.length > 0) throw new WidgetTemplateError(path, `not a .widget file: ${problems.join('; ')}`);
  if (json.version !== '1.0') {
    throw new WidgetTemplateError(path, `unsupported .widget version ${JSON.stringify(json.version)} (only "1.0")`);
  }
  return json as unknown as WidgetFile;
}

/** Compiles a parsed `.widget` file; template syntax errors are reported here, not at the first render. */
export function compileWidgetTemplate(file: WidgetFile, path: string): WidgetTemplate {
  let compiled: nunjucks.Template;
  try {
    compiled = new nunjucks.Template(toNunjucks(file.template), environment, path, true);
  } catch (err) {
    throw new WidgetTemplateError(path, `the template does not compile: ${describeTemplateError(err)}`, { cause: err });
  }
  return {
    path,
    file,
    render(state = {}) {
      let text: string;
      try {
        text = compiled.render(state);
      } catch (err) {
        throw new WidgetTemplateError(path, `the template failed to render: ${describeTemplateError(err)}`, {
          cause: err,
        });
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new WidgetTemplateError(path, `the template rendered invalid JSON: ${describeJsonError(err, text)}`, {
          cause: err,
        });
      }
      const root = dropNulls(json);
      if (!isObject(root) || !(WIDGET_ROOT_TYPES as readonly unknown[]).includes(root.type)) {
        const found = isObject(root)
          ? `type ${JSON.stringify(root.type)}`
          : `a ${Array.isArray(root) ? 'list' : typeof root}`;
        throw new WidgetTemplateError(
          path,
          `the rendered widget's root must be a Card, ListView or Basic, not ${found}`,
        );
      }
      return root as WidgetRoot;
    },
  };
}

/** Removes null values from objects (except `children`, as the Python SDK keeps it) and null items from lists. */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((item) => item !== null).map(dropNulls);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== null || key === 'children') out[key] = dropNulls(item);
    }
    return out;
  }
  return value;
}

/** The Builder's working copy inside `encodedWidget` (view source, default state, schema), decoded. */
export function decodeEncodedWidget(file: Pick<WidgetFile, 'encodedWidget'>): Record<string, unknown> {
  const decoded: unknown = JSON.parse(Buffer.from(file.encodedWidget, 'base64url').toString('utf8'));
  if (!isObject(decoded)) throw new Error('encodedWidget does not hold a JSON object');
  return decoded;
}

/**
 * Makes a Jinja template nunjucks-compatible: Python slices inside tags (`_c[1:]`, `x[:2]`) become `.slice()` calls,
 * and each `{{ (expr) | tojson }}` passes its own source to the filter so an undefined value is named in the error.
 * Text outside tags and string literals inside them are left alone.
 */
export function toNunjucks(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const start = source.slice(i).search(/\{[{%#]/);
    if (start < 0) break;
    const open = i + start;
    out += source.slice(i, open);
    const kind = source[open + 1];
    const close = kind === '{' ? '}}' : kind === '%' ? '%}' : '#}';
    const end = kind === '#' ? source.indexOf(close, open + 2) : findTagEnd(source, open + 2, close);
    if (end < 0) throw new Error(`unterminated "${source.slice(open, open + 2)}" tag at character ${open}`);
    const inner = source.slice(open + 2, end);
    out += source[open] + (kind as string) + (kind === '#' ? inner : rewriteTag(inner, kind === '{')) + close;
    i = end + close.length;
  }
  return out + source.slice(i);
}

function findTagEnd(source: string, from: number, close: string): number {
  let quote: string | null = null;
  for (let j = from; j < source.length; j++) {
    const ch = source[j];
    if (quote) {
      if (ch === '\\') j++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (source.startsWith(close, j)) return j;
  }
  return -1;
}

const SLICE = /([\w)\]])\[([^[\]:]*):([^[\]:]*)\]/g;
const TOJSON_OUTPUT = /^(-?)(\s*)([\s\S]*?)\s*\|\s*tojson(\s*-?)$/;

function rewriteTag(inner: string, isOutput: boolean): string {
  const code = mapCode(inner, (part) =>
    part.replace(SLICE, (_m, before: string, from: string, to: string) => {
      const args = [from.trim() || '0', to.trim()].filter(Boolean).join(', ');
      return `${before}.slice(${args})`;
    }),
  );
  if (!isOutput) return code;
  const match = TOJSON_OUTPUT.exec(code);
  if (!match) return code;
  const [, dash, space, expr, tail] = match as unknown as [string, string, string, string, string];
  const label = JSON.stringify(unwrapParens(expr.trim()));
  return `${dash}${space}${expr} | tojson(${label})${tail}`;
}

/** Applies `fn` to the parts of a tag's source that are outside string literals. */
function mapCode(inner: string, fn: (code: string) => string): string {
  let out = '';
  let code = '';
  for (let j = 0; j < inner.length; j++) {
    const ch = inner[j] as string;
    if (ch !== '"' && ch !== "'") {
      code += ch;
      continue;
    }
    out += fn(code);
    code = '';
    let k = j + 1;
    while (k < inner.length && inner[k] !== ch) k += inner[k] === '\\' ? 2 : 1;
    out += inner.slice(j, k + 1);
    j = k;
  }
  return out + fn(code);
}

function unwrapParens(expr: string): string {
  if (!expr.startsWith('(') || !expr.endsWith(')')) return expr;
  let depth = 0;
  for (let j = 0; j < expr.length - 1; j++) {
    if (expr[j] === '(') depth++;
    else if (expr[j] === ')') depth--;
    if (depth === 0) return expr; // the first parenthesis closes before the end: `(a) ~ (b)`
  }
  return expr.slice(1, -1).trim();
}

/** JSON.stringify that refuses undefined (a missing state field), like Jinja's StrictUndefined. */
function tojson(value: unknown, source?: unknown): string {
  const json = value === undefined ? undefined : JSON.stringify(value);
  if (json === undefined) {
    const what = typeof source === 'string' ? `\`${source}\`` : 'a value';
    throw new Error(`${what} is undefined (missing from the state?)`);
  }
  return json;
}

const environment = new nunjucks.Environment(null, { autoescape: false });
environment.addFilter('tojson', tojson);

function describeTemplateError(err: unknown): string {
  const lib = err as { lineno?: number; colno?: number; cause?: unknown };
  // nunjucks prefixes "(path) [Line x, Column y]\n  Error: "; keep the reason and the position.
  const reason = messageOf(err)
    .replace(/^\([^)]*\)(\s*\[Line \d+(, Column \d+)?\])?\s*/, '')
    .replace(/^(Template render error|Error|TypeError):\s*/, '')
    .replace(/\s+/g, ' ')
    .trim();
  const where = lib.lineno ? ` (line ${lib.lineno}${lib.colno ? `, column ${lib.colno}` : ''})` : '';
  return `${reason || 'unknown error'}${where}`;
}

function describeJsonError(err: unknown, text: string): string {
  const message = messageOf(err);
  const position = /position (\d+)/.exec(message);
  if (!position) return message;
  const at = Number(position[1]);
  return `${message}, near ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 40))}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
