/**
 * Renders `src/widgets/class-assist.widget` in the browser for the demo, the way the server does: the Jinja
 * template through nunjucks with a `tojson` filter, JSON-parsed, null props dropped (except `children`).
 */
import nunjucks from 'nunjucks';
import widgetFile from '../widgets/class-assist.widget?raw';

interface WidgetFile {
  template: string;
  outputJsonPreview: Record<string, unknown>;
}

const file = JSON.parse(widgetFile) as WidgetFile;
const env = new nunjucks.Environment(null, { autoescape: false });
env.addFilter('tojson', (value: unknown) => {
  if (value === undefined) throw new Error('tojson: undefined value');
  return JSON.stringify(value);
});
const template = nunjucks.compile(file.template, env);

export const outputJsonPreview = file.outputJsonPreview;

export function renderWidget(state: object): Record<string, unknown> {
  return dropNulls(JSON.parse(template.render(state))) as Record<string, unknown>;
}

function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== null).map(dropNulls);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, v]) => v !== null || key === 'children')
      .map(([key, v]) => [key, dropNulls(v)]),
  );
}
