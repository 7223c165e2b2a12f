/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: every line must be a HELP or
 * TYPE comment, a blank line or a sample of a declared family, and histograms must be cumulative with `+Inf` equal to
 * `_count`. Throws on anything else, naming the line.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** Family name → type (`counter`, `gauge`, `histogram`, `summary`, `untyped`). */
  types: Map<string, string>;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1}: ${why}: ${line}`);
    };
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = new RegExp(`^# TYPE (${NAME}) (\\w+)$`).exec(line);
      if (type?.[1] && type[2]) {
        if (!TYPES.has(type[2])) fail('unknown type');
        if (types.has(type[1])) fail('a second TYPE for one family');
        types.set(type[1], type[2]);
      } else if (!new RegExp(`^# HELP ${NAME} .*$`).test(line)) fail('neither HELP nor TYPE');
      continue;
    }
    const match = SAMPLE.exec(line) ?? fail('not a sample');
    const [, name = '', body = '', raw = ''] = match;
    const value = parseValue(raw) ?? fail('not a number');
    const labels: Record<string, string> = {};
    let rest = body;
    while (rest.trim() !== '') {
      const label = LABEL.exec(rest) ?? fail('bad labels');
      const [all, key = '', escaped = ''] = label;
      labels[key] = escaped.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
      rest = rest.slice(all.length);
    }
    if (!familyOf(name, types)) fail('a sample of no declared family');
    samples.push({ name, labels, value });
  }
  checkHistograms(types, samples);
  return { types, samples };
}

/** Every sample name a family may have: histograms and summaries add `_bucket`/`_sum`/`_count`. */
export function sampleNames(types: Map<string, string>): Set<string> {
  const names = new Set<string>();
  for (const [family, type] of types) {
    names.add(family);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(family + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(family + suffix);
  }
  return names;
}

/** The one sample named `name` whose labels include `labels`; 0 when there is none (an untouched counter). */
export function sampleValue(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  const found = exposition.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value ?? 0;
}

/** A float as Prometheus reads it (Go's ParseFloat: `NaN`, `+Inf`, `-Inf` in any case; prom-client writes `Nan`). */
function parseValue(raw: string): number | undefined {
  if (/^\+?inf$/i.test(raw)) return Number.POSITIVE_INFINITY;
  if (/^-inf$/i.test(raw)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(raw)) return Number.NaN;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw) ? Number(raw) : undefined;
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return ['histogram', 'summary'].includes(types.get(base) ?? '') ? base : undefined;
}

/** Buckets never decrease as `le` grows, and the `+Inf` bucket equals `_count`, for every label set. */
function checkHistograms(types: Map<string, string>, samples: Sample[]): void {
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, Array<{ le: number; value: number }>>();
    for (const s of samples.filter((x) => x.name === `${family}_bucket`)) {
      const { le, ...rest } = s.labels;
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), { le: parseValue(le ?? '') ?? Number.NaN, value: s.value }]);
    }
    for (const [key, buckets] of series) {
      buckets.sort((a, b) => a.le - b.le);
      buckets.forEach((b, i) => {
        if (i > 0 && b.value < (buckets[i - 1]?.value ?? 0)) throw new Error(`${family}${key}: buckets decrease`);
      });
      const count = samples.find((x) => x.name === `${family}_count` && JSON.stringify(withoutLe(x.labels)) === key);
      const inf = buckets.at(-1);
      if (inf?.le !== Number.POSITIVE_INFINITY || inf.value !== count?.value) {
        throw new Error(`${family}${key}: the +Inf bucket is not the count`);
      }
    }
  }
}

function withoutLe(labels: Record<string, string>): Record<string, string> {
  const { le: _, ...rest } = labels;
  return rest;
}
