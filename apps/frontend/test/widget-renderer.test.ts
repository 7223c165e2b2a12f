/** The renderer on real widget JSON (server-side rendering to markup: no browser needed). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { outputJsonPreview, renderWidget } from '../src/demo/render-template';
import { demoState } from '../src/demo/states';
import { WidgetView } from '../src/widget-renderer';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../../backend/test/fixtures/chatkit-widgets');

function html(widget: unknown): string {
  return renderToStaticMarkup(createElement(WidgetView, { widget, itemId: 'msg_1', onAction: () => undefined }));
}

describe.skipIf(!existsSync(fixtures))('ChatKit fixtures', () => {
  const expected: Record<string, string[]> = {
    basic_root: ['Harry Potter', 'The boy who lived'],
    card_no_data: ['Enable notification', '>Yes<', '>No<'],
    card_with_data: ['#proj-chatkit', 'Pam Beesly', '<strong>new header system</strong>', '<ol>'],
    list_view_no_data: ['Blue line', 'Orange line', 'role="button"'],
    list_view_with_data: ['Purple line'],
  };
  for (const file of readdirSync(fixtures).filter((f) => f.endsWith('.json'))) {
    it(`renders ${file}`, () => {
      const out = html(JSON.parse(readFileSync(path.join(fixtures, file), 'utf8')));
      expect(out).not.toContain('Unsupported component');
      for (const text of expected[file.replace('.json', '')] ?? []) expect(out).toContain(text);
    });
  }
});

describe('the Class Assist widget', () => {
  it('renders the instructor preview with labelled fields and a data table for the chart', () => {
    const out = html(outputJsonPreview);
    expect(out).not.toContain('Unsupported component');
    // A Label names the Select: no aria-label overrides it.
    expect(out).toMatch(/<label[^>]*for="[^"]*field-recipient_filter"/);
    expect(out).not.toMatch(/<select[^>]*aria-label="Recipient filter"/);
    expect(out).toContain('aria-label="Message to send through the LMS"');
    expect(out).toContain('<caption>Chart of % confused</caption>');
    expect(out.match(/<th scope="row">Slide \d+<\/th>/g)).toHaveLength(12);
  });

  it('renders the student view from the template', () => {
    const out = html(renderWidget({ ...demoState('student'), askOpen: true }));
    expect(out).toContain('I&#x27;m Confused');
    expect(out).toContain('aria-label="What&#x27;s unclear? Your instructor sees your question."');
    expect(out).toMatch(/<input type="checkbox"[^>]*name="anonymous"/);
    expect(out).toContain('Ask anonymously');
  });

  it('shows a placeholder for an unknown component instead of failing', () => {
    const out = html({ type: 'Card', children: [{ type: 'Hologram' }, { type: 'Text', value: 'still here' }] });
    expect(out).toContain('Unsupported component: Hologram');
    expect(out).toContain('still here');
  });
});
