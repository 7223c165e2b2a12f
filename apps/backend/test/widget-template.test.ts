import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  compileWidgetTemplate,
  dropNulls,
  loadWidgetTemplate,
  toNunjucks,
  type WidgetFile,
  WidgetTemplateError,
} from '../src/widget/widget-template.js';

const dir = mkdtempSync(path.join(tmpdir(), 'class-assist-widget-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function widgetFile(template: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '1.0',
    name: 'Test',
    template,
    jsonSchema: {},
    outputJsonPreview: {},
    encodedWidget: Buffer.from('{}').toString('base64url'),
    ...overrides,
  };
}

function writeWidget(name: string, content: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function render(template: string, state: object = {}): unknown {
  return compileWidgetTemplate(widgetFile(template) as unknown as WidgetFile, 'test.widget').render(state);
}

describe('loadWidgetTemplate', () => {
  it('names the file when it cannot be read', () => {
    const missing = path.join(dir, 'missing.widget');
    expect(() => loadWidgetTemplate(missing)).toThrow(WidgetTemplateError);
    expect(() => loadWidgetTemplate(missing)).toThrow(`${missing}: cannot read the file`);
  });

  it('rejects a file that is not JSON', () => {
    const file = writeWidget('broken.widget', '{"version": "1.0",');
    expect(() => loadWidgetTemplate(file)).toThrow(`${file}: not a .widget file: invalid JSON`);
  });

  it('lists every missing or mistyped key', () => {
    const file = writeWidget('keys.widget', { version: '1.0', name: 'X', template: 3, jsonSchema: {} });
    expect(() => loadWidgetTemplate(file)).toThrow(
      `${file}: not a .widget file: "template" must be a string; "outputJsonPreview" is missing; "encodedWidget" is missing`,
    );
  });

  it('accepts version 1.0 only', () => {
    const file = writeWidget('v2.widget', widgetFile('{"type":"Card","children":[]}', { version: '2.0' }));
    expect(() => loadWidgetTemplate(file)).toThrow(`${file}: unsupported .widget version "2.0" (only "1.0")`);
  });

  it('reports a template that does not compile when loading, not at the first render', () => {
    const file = writeWidget('syntax.widget', widgetFile('{"type":"Card","children":[{%- if x -%}]}'));
    expect(() => loadWidgetTemplate(file)).toThrow(new RegExp(`^${file}: the template does not compile: `));
    const open = writeWidget('open.widget', widgetFile('{"type":"Card","value":{{ (x) | tojson'));
    expect(() => loadWidgetTemplate(open)).toThrow('unterminated "{{" tag at character 23');
  });

  it('loads a valid file and renders it', () => {
    const file = writeWidget(
      'ok.widget',
      widgetFile('{"type":"Card","children":[{"type":"Text","value":{{ (t) | tojson }}}]}'),
    );
    const template = loadWidgetTemplate(file);
    expect(template.file.name).toBe('Test');
    expect(template.render({ t: 'hi' })).toStrictEqual({ type: 'Card', children: [{ type: 'Text', value: 'hi' }] });
  });
});

describe('render', () => {
  it('throws on an undefined value, naming the expression (Jinja StrictUndefined)', () => {
    const template = '{"type":"Card","children":[{"type":"Text","value":{{ (user.nmae) | tojson }}}]}';
    expect(() => render(template, { user: { name: 'x' } })).toThrow(
      'test.widget: the template failed to render: `user.nmae` is undefined (missing from the state?)',
    );
    expect(() => render(template, {})).toThrow('`user.nmae` is undefined');
  });

  it('renders null as null and then drops it, as the Python SDK does', () => {
    const template =
      '{"type":"Card","key":{{ (k) | tojson }},"children":[{"type":"Text","value":"a","color":{{ (c) | tojson }}}]}';
    expect(render(template, { k: null, c: null })).toStrictEqual({
      type: 'Card',
      children: [{ type: 'Text', value: 'a' }],
    });
  });

  it('reports output that is not JSON, with the text around the fault', () => {
    expect(() => render('{"type":"Card","children":[{{ x }}]}', { x: 'oops' })).toThrow(
      /^test\.widget: the template rendered invalid JSON: .*\[oops\]/,
    );
    expect(() => render('{"type":"Card","children":[1 2, "tail of the widget"]}')).toThrow(
      /invalid JSON: .*position 29.*near ".*\[1 2, \\"tail of the widget\\"\]\}"/,
    );
  });

  it('requires a Card, ListView or Basic root', () => {
    expect(() => render('{"type":"Row","children":[]}')).toThrow(
      'test.widget: the rendered widget\'s root must be a Card, ListView or Basic, not type "Row"',
    );
    expect(() => render('[1]')).toThrow('root must be a Card, ListView or Basic, not a list');
    for (const type of ['Card', 'ListView', 'Basic']) {
      expect(render(`{"type":"${type}","children":[]}`)).toStrictEqual({ type, children: [] });
    }
  });

  it('keeps hostile strings inert: quotes, </script>, template syntax, newlines, unicode', () => {
    const hostile = 'He said "hi" </script><script>alert(1)</script> {{ 7*7 }} {% if %} \\ \n\t \u2028 😀 \'';
    const out = render('{"type":"Card","children":[{"type":"Text","value":{{ (s) | tojson }}}]}', { s: hostile });
    expect(out).toStrictEqual({ type: 'Card', children: [{ type: 'Text', value: hostile }] });
  });

  it('supports for loops with loop.last (for commas) and ~ concatenation', () => {
    const template =
      '{"type":"ListView","children":[{%- for i in items -%}{"type":"ListViewItem","children":[{"type":"Text","value":{{ ("#" ~ i) | tojson }}}]}{%- if not loop.last -%},{%- endif -%}{%- endfor -%}]}';
    expect(render(template, { items: [1, 2] })).toStrictEqual({
      type: 'ListView',
      children: [
        { type: 'ListViewItem', children: [{ type: 'Text', value: '#1' }] },
        { type: 'ListViewItem', children: [{ type: 'Text', value: '#2' }] },
      ],
    });
  });
});

describe('toNunjucks', () => {
  it('rewrites Python slices inside tags to .slice()', () => {
    expect(toNunjucks("{{- (_c[1:] if _c and _c[0] == ',' else _c) -}}")).toBe(
      "{{- (_c.slice(1) if _c and _c[0] == ',' else _c) -}}",
    );
    expect(toNunjucks('{% set a = xs[:2] %}{% set b = xs[-1:] %}{% set c = xs[i:j] %}')).toBe(
      '{% set a = xs.slice(0, 2) %}{% set b = xs.slice(-1) %}{% set c = xs.slice(i, j) %}',
    );
  });

  it('leaves text outside tags and string literals alone', () => {
    const source = '{"value":"x[1:]"}{{ ("y[1:]" ~ z[1:]) }}{# c[1:] #}';
    expect(toNunjucks(source)).toBe('{"value":"x[1:]"}{{ ("y[1:]" ~ z.slice(1)) }}{# c[1:] #}');
  });

  it('names the expression of each tojson output', () => {
    expect(toNunjucks('{{ (user.name) | tojson }}')).toBe('{{ (user.name) | tojson("user.name") }}');
    expect(toNunjucks('{{- ("a \\"b\\"" ~ x) | tojson -}}')).toBe(
      '{{- ("a \\"b\\"" ~ x) | tojson("\\"a \\\\\\"b\\\\\\"\\" ~ x") -}}',
    );
  });
});

describe('dropNulls', () => {
  it('drops null values (but not children) and null list items, recursively', () => {
    expect(
      dropNulls({
        type: 'Card',
        key: null,
        children: null,
        a: [1, null, { b: null, c: [null] }],
        d: { children: null },
      }),
    ).toStrictEqual({ type: 'Card', children: null, a: [1, { c: [] }], d: { children: null } });
  });
});
