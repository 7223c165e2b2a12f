import { describe, expect, it } from 'vitest';
import { assertValidWidgetTree, WidgetValidationError, widgetTreeErrors } from '../src/widget/widget-validation.js';

const card = (...children: unknown[]) => ({ type: 'Card', children });

describe('the ChatKit component schema', () => {
  it('accepts every component with its documented props', () => {
    const action = { type: 'x.y', payload: { a: 1 }, handler: 'server', loadingBehavior: 'self', streaming: false };
    const tree = {
      type: 'Card',
      size: 'lg',
      padding: { x: 4, y: 2 },
      status: { text: 'Done', icon: 'check' },
      confirm: { label: 'OK', action },
      cancel: { label: 'No', action: { type: 'x.cancel' } },
      theme: 'dark',
      children: [
        {
          type: 'Box',
          direction: 'row',
          border: { size: 1, color: { light: 'gray-200', dark: 'gray-800' } },
          radius: 'lg',
        },
        {
          type: 'Row',
          gap: 2,
          wrap: 'wrap',
          align: 'center',
          justify: 'between',
          children: [{ type: 'Spacer', minSize: 4 }],
        },
        { type: 'Col', flex: 1, margin: { top: 2 }, border: { bottom: 1 }, children: null },
        { type: 'Title', value: 'T', size: '2xl', weight: 'bold', truncate: true },
        { type: 'Caption', value: 'C', size: 'sm', color: 'secondary' },
        { type: 'Text', value: 'x', italic: true, editable: { name: 'n', placeholder: 'p' }, minLines: 2 },
        { type: 'Markdown', value: '**m**', streaming: true },
        { type: 'Badge', label: 'b', color: 'discovery', variant: 'outline', pill: true },
        { type: 'Icon', name: 'lucide:rocket', size: 'xl' },
        { type: 'Image', src: '/a.png', alt: 'a', fit: 'cover', position: 'top left', size: 44, frame: true },
        { type: 'Divider', flush: true, spacing: 2 },
        {
          type: 'Form',
          onSubmitAction: action,
          direction: 'col',
          children: [
            { type: 'Label', value: 'Name', fieldName: 'name' },
            { type: 'Input', name: 'name', inputType: 'email', required: true, pattern: '.+', pill: true },
            { type: 'Textarea', name: 'body', rows: 3, autoResize: true, maxRows: 6 },
            { type: 'Checkbox', name: 'ok', label: 'OK', defaultChecked: true, onChangeAction: action },
            { type: 'Select', name: 's', options: [{ value: 'a', label: 'A', description: 'd' }], clearable: true },
            { type: 'RadioGroup', name: 'r', options: [{ value: 'a', label: 'A' }], direction: 'row' },
            { type: 'DatePicker', name: 'd', min: '2025-01-01T00:00:00Z', side: 'top', align: 'end' },
            { type: 'Button', label: 'Go', submit: true, style: 'primary', iconStart: 'sparkle', uniform: true },
          ],
        },
        { type: 'Transition', children: { type: 'Text', value: 'animated' } },
        {
          type: 'Table',
          children: [{ type: 'Table.Row', header: true, children: [{ type: 'Table.Cell', colSpan: 2, children: [] }] }],
        },
        {
          type: 'Chart',
          data: [{ label: 'Slide 1', confused: 20 }],
          series: [
            { type: 'bar', dataKey: 'confused', label: '% confused', stack: 'a', color: 'red' },
            { type: 'line', dataKey: 'confused', curveType: 'monotone' },
            { type: 'area', dataKey: 'confused', stack: 'b', curveType: 'step' },
          ],
          xAxis: { dataKey: 'label', hide: false, labels: { 'Slide 1': 'S1' } },
          showYAxis: true,
          showLegend: false,
          showTooltip: true,
          height: 180,
          barGap: 2,
        },
      ],
    };
    expect(widgetTreeErrors(tree)).toStrictEqual([]);
    expect(
      widgetTreeErrors({
        type: 'ListView',
        limit: 'auto',
        children: [{ type: 'ListViewItem', gap: 5, align: 'center', onClickAction: action, children: [] }],
      }),
    ).toStrictEqual([]);
    expect(
      widgetTreeErrors({ type: 'Basic', direction: 'col', children: [card(), { type: 'Text', value: 'x' }] }),
    ).toStrictEqual([]);
  });

  it('names a misspelled prop, with its path and component', () => {
    expect(widgetTreeErrors(card({ type: 'Row', children: [{ type: 'Button', lable: 'Go' }] }))).toStrictEqual([
      { path: 'children[0].children[0].lable', message: 'is not a prop of Button' },
    ]);
  });

  it('names a missing required prop', () => {
    expect(widgetTreeErrors(card({ type: 'Select', name: 'x' }))).toStrictEqual([
      { path: 'children[0].options', message: 'is required on Select' },
    ]);
  });

  it('rejects unknown components and components out of place', () => {
    expect(widgetTreeErrors(card({ type: 'Paragraph', value: 'x' }))).toStrictEqual([
      { path: 'children[0].type', message: '"Paragraph" is not a component allowed here' },
    ]);
    expect(widgetTreeErrors(card({ type: 'ListViewItem', children: [] }))[0]?.path).toBe('children[0].type');
    expect(widgetTreeErrors({ type: 'ListView', children: [{ type: 'Box' }] })).toStrictEqual([
      { path: 'children[0].type', message: '"Box" is not a component allowed here' },
    ]);
    expect(widgetTreeErrors(card(card()))[0]?.message).toBe('"Card" is not a component allowed here');
    expect(widgetTreeErrors({ type: 'Row', children: [] })).toStrictEqual([
      { path: 'type', message: '"Row" is not a component allowed here' },
    ]);
    expect(widgetTreeErrors(card({ value: 'no type' }))).toStrictEqual([
      { path: 'children[0].type', message: 'is required' },
    ]);
    expect(widgetTreeErrors(card({ type: 5 }))).toStrictEqual([
      { path: 'children[0].type', message: 'must be string' },
    ]);
  });

  it('checks enums, value types and nested objects', () => {
    expect(widgetTreeErrors(card({ type: 'Button', label: 'x', variant: 'primary' }))).toStrictEqual([
      { path: 'children[0].variant', message: 'must be one of: "solid", "soft", "outline", "ghost"' },
    ]);
    expect(widgetTreeErrors(card({ type: 'Button', label: 'x', disabled: 'false' }))).toStrictEqual([
      { path: 'children[0].disabled', message: 'must be boolean' },
    ]);
    expect(
      widgetTreeErrors(card({ type: 'Button', label: 'x', onClickAction: { type: 'a', paylod: {} } })),
    ).toStrictEqual([{ path: 'children[0].onClickAction.paylod', message: 'is not allowed here' }]);
    const padding = widgetTreeErrors(card({ type: 'Box', padding: { x: 1, z: 2 } }));
    expect(padding).toStrictEqual([{ path: 'children[0].padding.z', message: 'is not allowed here' }]);
    expect(widgetTreeErrors(card({ type: 'Box', padding: true }))).toStrictEqual([
      { path: 'children[0].padding', message: 'must be number or string or object' },
    ]);
    expect(widgetTreeErrors(card({ type: 'Text', value: 'x', color: { light: 'red-100' } }))).toStrictEqual([
      { path: 'children[0].color.dark', message: 'is required' },
    ]);
    expect(widgetTreeErrors(card({ type: 'Icon', name: 'rocket' }))).toStrictEqual([
      {
        path: 'children[0].name',
        message: expect.stringMatching(/^must be one of: "agent", "analytics", .*"write-alt2"$/),
      },
      { path: 'children[0].name', message: 'must match pattern "^(vendor|lucide):.+"' },
    ]);
  });

  it('checks Chart series by type and its data values', () => {
    const chart = (props: Record<string, unknown>) =>
      card({
        type: 'Chart',
        data: [{ label: 'a', v: 1 }],
        series: [{ type: 'bar', dataKey: 'v' }],
        xAxis: 'label',
        ...props,
      });
    expect(widgetTreeErrors(chart({}))).toStrictEqual([]);
    expect(widgetTreeErrors(chart({ series: [{ type: 'bar', dataKey: 'v', curveType: 'step' }] }))).toStrictEqual([
      { path: 'children[0].series[0].curveType', message: 'is not allowed here' },
    ]);
    expect(widgetTreeErrors(chart({ series: [{ type: 'pie', dataKey: 'v' }] }))).toStrictEqual([
      { path: 'children[0].series[0].type', message: '"pie" is not allowed here' },
    ]);
    expect(widgetTreeErrors(chart({ data: [{ label: 'a', v: { nested: 1 } }] }))[0]?.path).toBe(
      'children[0].data[0].v',
    );
    expect(widgetTreeErrors(chart({ xAxis: undefined }))).toStrictEqual([
      { path: 'children[0].xAxis', message: 'is required on Chart' },
    ]);
  });

  it('throws WidgetValidationError with every problem in the message', () => {
    const tree = card({ type: 'Text' }, { type: 'Badge', label: 'x', colour: 'info' });
    expect(() => assertValidWidgetTree(tree, 'test.widget')).toThrow(WidgetValidationError);
    expect(() => assertValidWidgetTree(tree, 'test.widget')).toThrow(
      'Invalid widget rendered by test.widget: children[0].value: is required on Text; children[1].colour: is not a prop of Badge',
    );
  });
});
