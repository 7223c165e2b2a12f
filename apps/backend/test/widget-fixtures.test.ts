import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeEncodedWidget, loadWidgetTemplate } from '../src/widget/widget-template.js';
import { stateErrors, widgetTreeErrors } from '../src/widget/widget-validation.js';
import { FIXTURE_SAMPLE_DATA, widgetFixturesDir } from './helpers/widgets.js';

const DIR = widgetFixturesDir();
const NAMES = Object.keys(FIXTURE_SAMPLE_DATA);

describe('ChatKit widget fixtures (openai/chatkit-python tests/assets/widgets)', () => {
  it('has the five fixtures, each a .widget with its expected .json', () => {
    expect(
      readdirSync(DIR)
        .filter((f) => f.endsWith('.widget') || f.endsWith('.json'))
        .sort(),
    ).toStrictEqual(NAMES.flatMap((name) => [`${name}.json`, `${name}.widget`]).sort());
  });

  it.each(NAMES)('%s renders its sample data to exactly the expected JSON', (name) => {
    const template = loadWidgetTemplate(path.join(DIR, `${name}.widget`));
    const expected = JSON.parse(readFileSync(path.join(DIR, `${name}.json`), 'utf8'));
    expect(template.render(FIXTURE_SAMPLE_DATA[name])).toStrictEqual(expected);
  });

  it.each(NAMES)('%s: its expected JSON passes the ChatKit component schema', (name) => {
    const expected = JSON.parse(readFileSync(path.join(DIR, `${name}.json`), 'utf8'));
    expect(widgetTreeErrors(expected)).toStrictEqual([]);
  });

  it.each(NAMES)('%s: the sample data satisfies its jsonSchema', (name) => {
    const template = loadWidgetTemplate(path.join(DIR, `${name}.widget`));
    expect(stateErrors(template.file.jsonSchema, FIXTURE_SAMPLE_DATA[name])).toStrictEqual([]);
  });

  it.each(NAMES)('%s: the Builder default state renders to outputJsonPreview', (name) => {
    const template = loadWidgetTemplate(path.join(DIR, `${name}.widget`));
    const working = decodeEncodedWidget(template.file);
    expect(template.render(working.defaultState as object)).toStrictEqual(template.file.outputJsonPreview);
  });
});
