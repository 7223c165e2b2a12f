import { readFileSync } from 'node:fs';
import {
  type ClassAssistWidgetState,
  FUNCTION_DEFINITIONS,
  INSTRUCTOR_ACTIONS,
  WIDGET_ACTIONS,
  type WidgetActionType,
} from '@class-assist/contracts';
import { describe, expect, it } from 'vitest';
import { CLASS_ASSIST_WIDGET_PATH, createClassAssistWidget } from '../src/widget/class-assist-widget.js';
import { decodeEncodedWidget } from '../src/widget/widget-template.js';
import { stateErrors, WidgetValidationError, widgetTreeErrors } from '../src/widget/widget-validation.js';
import {
  ACTION_FUNCTIONS,
  ACTION_PAYLOAD_KEYS,
  allNodes,
  button,
  demoSlide,
  instructorState,
  type Node,
  nodesOfType,
  renderedActions,
  sampleQuiz,
  studentState,
} from './helpers/widgets.js';

const widget = createClassAssistWidget();
const file = widget.template.file;
const render = (state: ClassAssistWidgetState): Node => widget.render(state) as Node;

const STATES: Record<string, ClassAssistWidgetState> = {
  'student, ask closed': studentState(),
  'student, ask open': studentState({ askOpen: true }),
  'student, no slide yet': studentState({
    slide: { id: null, label: 'No slide selected', title: '', topic: '', previousId: null, nextId: null },
    chartData: [],
  }),
  'student view of an instructor': instructorState({ view: 'student', askOpen: true }),
  'student with a notice': studentState({ notice: { tone: 'success', text: 'Question sent.' } }),
  'student, quiz question': studentState({ quiz: sampleQuiz('question') }),
  'student, quiz answered right': studentState({ quiz: sampleQuiz('right') }),
  'student, quiz answered wrong': studentState({ quiz: sampleQuiz('wrong') }),
  'student, quiz finished': studentState({ quiz: sampleQuiz('finished') }),
  'instructor, quiet': instructorState(),
  'instructor, spike': instructorState({
    spike: { active: true, message: '3 students confused in last 2 minutes — consider pausing' },
  }),
  'instructor, first slide': instructorState({ slide: demoSlide(1) }),
  'instructor, last slide': instructorState({ slide: demoSlide(12) }),
  'instructor, no slides': instructorState({
    chartData: [],
    slide: { id: null, label: 'No slide selected', title: '', topic: '', previousId: null, nextId: null },
    activeStudents: 0,
  }),
  'instructor, pending notify': instructorState({
    pending: {
      kind: 'notify',
      summary: 'Send **"Let\'s review gradient descent"** to **3 confused students**?',
      confirmAction: {
        type: 'intervention.notify',
        payload: { recipient_filter: 'confused_students', message: "Let's review gradient descent", confirmed: true },
      },
    },
  }),
  'instructor, pending assign': instructorState({
    pending: {
      kind: 'assign',
      summary: 'Assign a **remedial** quiz on _Gradient descent_ to the class?',
      confirmAction: {
        type: 'intervention.assign',
        payload: { quiz_type: 'remedial', topics: ['Gradient descent'], confirmed: true },
      },
    },
    notice: { tone: 'warning', text: 'The LMS is slow to answer.' },
  }),
  'instructor, notice': instructorState({ notice: { tone: 'danger', text: 'Export failed: try again.' } }),
  'instructor, cannot switch': instructorState({ canSwitchView: false, activeStudents: 1 }),
};

describe('class-assist.widget: the file', () => {
  it('is a Widget Builder export named "Class Assist", version 1.0', () => {
    const raw = JSON.parse(readFileSync(CLASS_ASSIST_WIDGET_PATH, 'utf8'));
    expect(Object.keys(raw)).toStrictEqual([
      'version',
      'name',
      'template',
      'jsonSchema',
      'outputJsonPreview',
      'encodedWidget',
    ]);
    expect(raw.version).toBe('1.0');
    expect(raw.name).toBe('Class Assist');
    expect(raw.jsonSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('encodes the Builder working copy in base64url', () => {
    expect(file.encodedWidget).toMatch(/^[A-Za-z0-9_-]+$/);
    const working = decodeEncodedWidget(file);
    expect(working).toMatchObject({
      id: 'wig_classassist',
      name: 'Class Assist',
      schemaMode: 'jsonSchema',
      schema: '',
      states: [],
      schemaValidity: 'valid',
      viewValidity: 'valid',
      defaultStateValidity: 'valid',
    });
    expect(working.jsonSchema).toStrictEqual(file.jsonSchema);
    expect(working.view).toMatch(/^<Card size=\{view === "instructor" \? "lg" : "md"\}>\n[\s\S]*<\/Card>$/);
  });

  it('has a realistic instructor default state: the demo course with its 12 slides', () => {
    const state = decodeEncodedWidget(file).defaultState as ClassAssistWidgetState;
    expect(stateErrors(file.jsonSchema, state)).toStrictEqual([]);
    expect(state.view).toBe('instructor');
    expect(state.role).toBe('instructor');
    expect(state.courseName).toBe('Introduction to Machine Learning');
    expect(state.chartData.map((row) => row.slide_id)).toStrictEqual(
      Array.from({ length: 12 }, (_, i) => `slide-${i + 1}`),
    );
  });

  it('outputJsonPreview is exactly what the template renders from the default state', () => {
    const state = decodeEncodedWidget(file).defaultState as ClassAssistWidgetState;
    expect(widget.render(state)).toStrictEqual(file.outputJsonPreview);
    expect(widgetTreeErrors(file.outputJsonPreview)).toStrictEqual([]);
  });

  it('uses only tojson for values, no Python slices or methods (renders the same under Jinja and nunjucks)', () => {
    const outputs = file.template.match(/\{\{.*?\}\}/g) ?? [];
    expect(outputs.length).toBeGreaterThan(10);
    for (const output of outputs) expect(output).toMatch(/^\{\{ \(.+\) \| tojson \}\}$/);
    expect(file.template).not.toMatch(
      /\[-?\d*:-?\d*\]|\.(items|keys|values|get|format|upper|lower|strip|split|join)\(/,
    );
  });
});

describe('class-assist.widget: the state schema', () => {
  const schema = file.jsonSchema as { properties: Record<string, unknown>; required: string[] };

  it('describes every field of ClassAssistWidgetState, all required', () => {
    const fields = Object.keys(instructorState()).sort();
    expect(Object.keys(schema.properties).sort()).toStrictEqual(fields);
    expect([...schema.required].sort()).toStrictEqual(fields);
  });

  it.each(Object.entries(STATES))('accepts %s', (_name, state) => {
    expect(stateErrors(file.jsonSchema, state)).toStrictEqual([]);
  });

  it('rejects a missing field, a wrong view and other bad values, naming each', () => {
    const { courseName: _, ...missing } = instructorState();
    expect(stateErrors(file.jsonSchema, missing)).toStrictEqual([{ path: 'courseName', message: 'is required' }]);
    expect(stateErrors(file.jsonSchema, instructorState({ view: 'teacher' as never }))).toStrictEqual([
      { path: 'view', message: 'must be one of: "student", "instructor"' },
    ]);
    expect(stateErrors(file.jsonSchema, { ...instructorState(), extra: 1 })).toStrictEqual([
      { path: 'extra', message: 'is not allowed here' },
    ]);
    expect(stateErrors(file.jsonSchema, instructorState({ timeRange: 'yesterday' as never }))[0]?.path).toBe(
      'timeRange',
    );
    expect(
      stateErrors(file.jsonSchema, instructorState({ notice: { tone: 'loud' as never, text: 'x' } })),
    ).toStrictEqual([{ path: 'notice.tone', message: 'must be one of: "success", "info", "warning", "danger"' }]);
    expect(
      stateErrors(
        file.jsonSchema,
        instructorState({
          pending: {
            kind: 'delete' as never,
            summary: 's',
            confirmAction: { type: 'intervention.notify', payload: {} },
          },
        }),
      ),
    ).toStrictEqual([{ path: 'pending.kind', message: 'must be one of: "notify", "assign"' }]);
    expect(
      stateErrors(
        file.jsonSchema,
        instructorState({ chartData: [{ label: 'S1', confused: '20%' as never, slide_id: 's', title: 't' }] }),
      ),
    ).toStrictEqual([{ path: 'chartData[0].confused', message: 'must be number' }]);
    expect(
      stateErrors(file.jsonSchema, instructorState({ slide: { ...demoSlide(1), id: undefined as never } })),
    ).toStrictEqual([{ path: 'slide.id', message: 'is required' }]);
    expect(stateErrors(file.jsonSchema, instructorState({ notice: 'Saved' as never }))).toStrictEqual([
      { path: 'notice', message: 'must be null or object' },
    ]);
    expect(stateErrors(file.jsonSchema, instructorState({ activeStudents: -1 }))[0]?.path).toBe('activeStudents');
  });

  it('keeps students out of the instructor view and the view switch', () => {
    expect(stateErrors(file.jsonSchema, studentState({ view: 'instructor' }))).toStrictEqual([
      { path: 'view', message: 'must be "student"' },
    ]);
    expect(stateErrors(file.jsonSchema, studentState({ canSwitchView: true }))).toStrictEqual([
      { path: 'canSwitchView', message: 'must be false' },
    ]);
  });
});

describe('class-assist.widget: rendering', () => {
  it.each(Object.entries(STATES))('%s renders a valid ChatKit widget', (_name, state) => {
    const root = render(state);
    expect(root.type).toBe('Card');
    expect(root.size).toBe(state.view === 'instructor' ? 'lg' : 'md');
    expect(widgetTreeErrors(root)).toStrictEqual([]);
    for (const node of nodesOfType(root, 'Button'))
      expect(typeof node.label === 'string' && node.label !== '').toBe(true);
    expect(nodesOfType(root, 'Title')[0]?.value).toBe(state.courseName);
  });

  it.each(Object.entries(STATES))(
    '%s: every action is a contract action carrying its parameter names',
    (_name, state) => {
      const parameters = (type: string) =>
        Object.keys(
          FUNCTION_DEFINITIONS.find((fn) => fn.name === ACTION_FUNCTIONS[type as WidgetActionType])?.parameters
            .properties ?? {},
        );
      for (const action of renderedActions(render(state))) {
        expect(WIDGET_ACTIONS as readonly string[]).toContain(action.type);
        const allowed = ACTION_PAYLOAD_KEYS[action.type as WidgetActionType];
        for (const key of [...Object.keys(action.payload), ...action.fields]) {
          expect(allowed, `${action.type} carries ${key}`).toContain(key);
          if (
            ACTION_FUNCTIONS[action.type as WidgetActionType] &&
            !['confirmed', 'confirmation_id', 'quiz_id'].includes(key)
          ) {
            expect(parameters(action.type), `${action.type}: ${key} is a parameter`).toContain(key);
          }
        }
      }
    },
  );

  it('offers every contract action across the two views', () => {
    const types = new Set(Object.values(STATES).flatMap((state) => renderedActions(render(state)).map((a) => a.type)));
    expect([...types].sort()).toStrictEqual([...WIDGET_ACTIONS].sort());
  });

  it('never offers an instructor action in the student view', () => {
    for (const state of Object.values(STATES).filter((s) => s.view === 'student')) {
      const types = renderedActions(render(state)).map((a) => a.type);
      expect(types.filter((type) => (INSTRUCTOR_ACTIONS as readonly string[]).includes(type))).toStrictEqual([]);
      expect(nodesOfType(render(state), 'Chart')).toStrictEqual([]);
    }
  });
});

describe('class-assist.widget: the student view', () => {
  it("shows the slide, I'm Confused, Ask a Question, the study tools and the improvement metric", () => {
    const root = render(studentState({ slide: demoSlide(7, 'Gradient descent') }));
    const texts = allNodes(root).map((node) => node.value);
    expect(texts).toContain('Slide 7 of 12 — Gradient Descent and the Learning Rate');
    expect(button(root, "I'm Confused").onClickAction).toStrictEqual({
      type: 'confusion.ping',
      payload: { slide_id: 'slide-7' },
    });
    expect(button(root, 'Ask a Question').onClickAction).toStrictEqual({
      type: 'ui.toggle',
      payload: { field: 'askOpen' },
    });
    expect(button(root, 'Quiz me').onClickAction).toStrictEqual({
      type: 'study.quiz',
      payload: { focus: 'confusion-zones' },
    });
    expect(button(root, 'Explain Gradient descent').onClickAction).toStrictEqual({
      type: 'study.explain',
      payload: { topic: 'Gradient descent' },
    });
    expect(button(root, 'Notes').onClickAction).toStrictEqual({
      type: 'study.notes',
      payload: { slide_id: 'slide-7' },
    });
    expect(texts).toContain('Improvement');
    expect(texts).toContain('+22%');
    expect(nodesOfType(root, 'Select')).toStrictEqual([]); // canSwitchView false
    expect(nodesOfType(root, 'Form')).toStrictEqual([]); // askOpen false
  });

  it('opens the question form when askOpen', () => {
    const [form, ...others] = nodesOfType(render(studentState({ askOpen: true })), 'Form');
    expect(others).toStrictEqual([]);
    expect(form?.onSubmitAction).toStrictEqual({ type: 'question.submit' });
    const fields = allNodes(form as Node).slice(1);
    expect(fields.find((n) => n.type === 'Textarea')).toMatchObject({ name: 'question_body', required: true });
    expect(fields.find((n) => n.type === 'Textarea')?.placeholder).toEqual(expect.any(String));
    expect(fields.find((n) => n.type === 'Checkbox')).toMatchObject({ name: 'anonymous', label: 'Ask anonymously' });
    expect(fields.find((n) => n.type === 'Button')).toMatchObject({ submit: true, label: 'Send question' });
  });

  it('shows the view switch to an instructor looking at the student view', () => {
    const [select] = nodesOfType(render(instructorState({ view: 'student' })), 'Select');
    expect(select).toStrictEqual({
      type: 'Select',
      name: 'view',
      options: instructorState().viewOptions,
      defaultValue: 'student',
      onChangeAction: { type: 'view.set' },
      size: 'sm',
      variant: 'outline',
    });
  });

  it('without a slide, sends no slide id and disables Explain', () => {
    const root = render(STATES['student, no slide yet'] as ClassAssistWidgetState);
    expect(button(root, "I'm Confused").onClickAction).toStrictEqual({ type: 'confusion.ping', payload: {} });
    expect(button(root, 'Notes').onClickAction).toStrictEqual({ type: 'study.notes', payload: {} });
    expect(button(root, 'Explain')).toMatchObject({ disabled: true });
  });

  it('shows a notice as a Badge coloured by its tone', () => {
    const root = render(studentState({ notice: { tone: 'success', text: 'Question sent.' } }));
    expect(nodesOfType(root, 'Badge')).toStrictEqual([
      { type: 'Badge', label: 'Done', color: 'success', variant: 'soft', pill: true },
    ]);
    expect(allNodes(root).map((n) => n.value)).toContain('Question sent.');
    expect(nodesOfType(render(studentState()), 'Badge')).toStrictEqual([]);
  });
});

describe('class-assist.widget: the quiz panel', () => {
  it('shows the question with one button per choice, each answering it', () => {
    const root = render(studentState({ quiz: sampleQuiz('question') }));
    const texts = allNodes(root).map((node) => node.value);
    expect(texts).toContain('Practice quiz on Gradient descent');
    expect(texts).toContain('Question 2 of 5');
    expect(texts).toContain('Which term names the size of each step in gradient descent?');
    expect(texts).toContain('From Slide 7 — Gradient Descent and the Learning Rate');
    const answers = renderedActions(root).filter((a) => a.type === 'quiz.answer');
    expect(answers.map((a) => a.payload.choice_index)).toStrictEqual([0, 1, 2, 3]);
    expect(button(root, 'A. Learning rate')).toMatchObject({ variant: 'outline', block: true });
    expect(button(root, 'Close quiz').onClickAction).toStrictEqual({ type: 'quiz.close' });
    expect(renderedActions(root).some((a) => a.type === 'quiz.next')).toBe(false);
  });

  it('after an answer, says whether it was right and offers Next instead of the choices', () => {
    for (const [stage, badge, color] of [
      ['right', 'Correct', 'success'],
      ['wrong', 'Not quite', 'warning'],
    ] as const) {
      const root = render(studentState({ quiz: sampleQuiz(stage) }));
      expect(nodesOfType(root, 'Badge')).toStrictEqual([
        { type: 'Badge', label: badge, color, variant: 'soft', pill: true },
      ]);
      expect(renderedActions(root).some((a) => a.type === 'quiz.answer')).toBe(false);
      expect(button(root, 'Next question').onClickAction).toStrictEqual({
        type: 'quiz.next',
        payload: { attempt_id: '3f1c2a9e-0000-4000-8000-000000000001' },
      });
    }
  });

  it('ends with the score, what to review and Another quiz', () => {
    const root = render(studentState({ quiz: sampleQuiz('finished') }));
    const texts = allNodes(root).map((node) => node.value);
    expect(texts).toContain('4 of 5 correct (80%)');
    expect(texts).toContain('Worth another look:\n- Slide 7 (1 missed)');
    expect(button(root, 'Another quiz').onClickAction).toStrictEqual({
      type: 'study.quiz',
      payload: { focus: 'confusion-zones' },
    });
  });

  it('never shows a quiz in the instructor view', () => {
    const root = render(instructorState({ quiz: sampleQuiz('question') }));
    expect(renderedActions(root).some((a) => a.type.startsWith('quiz.'))).toBe(false);
  });
});

describe('class-assist.widget: the instructor view', () => {
  it('shows the header, the current slide, the heatmap and the interventions', () => {
    const state = instructorState();
    const root = render(state);
    const values = allNodes(root).map((node) => node.value);
    expect(values).toContain('Now teaching');
    expect(values).toContain(state.slide.label);
    expect(nodesOfType(root, 'Select').find((s) => s.name === 'view')).toMatchObject({ defaultValue: 'instructor' });
    expect(button(root, 'Previous')).toMatchObject({
      disabled: false,
      onClickAction: { type: 'slide.set', payload: { slide_id: 'slide-4' } },
    });
    expect(button(root, 'Next')).toMatchObject({
      disabled: false,
      onClickAction: { type: 'slide.set', payload: { slide_id: 'slide-6' } },
    });
    expect(nodesOfType(root, 'Chart')).toStrictEqual([
      {
        type: 'Chart',
        data: state.chartData,
        series: [{ type: 'bar', dataKey: 'confused', label: '% confused' }],
        xAxis: 'label',
        showYAxis: true,
        height: 180,
      },
    ]);
    expect(values).toContain('5 active students');
    expect(nodesOfType(root, 'Select').find((s) => s.name === 'time_range')).toMatchObject({
      options: state.timeRangeOptions,
      defaultValue: 'today',
      onChangeAction: { type: 'heatmap.refresh' },
    });
    expect(button(root, 'Refresh').onClickAction).toStrictEqual({
      type: 'heatmap.refresh',
      payload: { time_range: 'today' },
    });
    expect(button(root, 'Export CSV').onClickAction).toStrictEqual({
      type: 'intervention.export',
      payload: { format: 'csv' },
    });
    expect(nodesOfType(root, 'Markdown')).toStrictEqual([]); // nothing pending
  });

  it('has the notify and assign forms with their fields', () => {
    const forms = nodesOfType(render(instructorState()), 'Form');
    expect(forms.map((form) => form.onSubmitAction)).toStrictEqual([
      { type: 'intervention.notify' },
      { type: 'intervention.assign' },
    ]);
    const [notify, assign] = forms.map((form) => allNodes(form).slice(1)) as [Node[], Node[]];
    expect(notify.find((n) => n.type === 'Select')).toMatchObject({
      name: 'recipient_filter',
      defaultValue: 'confused_students',
      options: [
        { value: 'confused_students', label: 'Confused students' },
        { value: 'struggling_students', label: 'Struggling students' },
        { value: 'all_students', label: 'All students' },
      ],
    });
    expect(notify.find((n) => n.type === 'Textarea')).toMatchObject({ name: 'message', required: true });
    expect(notify.find((n) => n.type === 'Button')).toMatchObject({ submit: true, label: 'Notify students…' });
    expect(assign.find((n) => n.type === 'Select')).toMatchObject({
      name: 'quiz_type',
      defaultValue: 'remedial',
      options: [
        { value: 'remedial', label: 'Remedial' },
        { value: 'practice', label: 'Practice' },
        { value: 'assessment', label: 'Assessment' },
      ],
    });
    const topics = assign.find((n) => n.name === 'topics');
    expect(topics?.type).toBe('Input');
    expect(topics?.required).toBeUndefined();
    expect(assign.find((n) => n.type === 'Button')).toMatchObject({ submit: true, label: 'Assign quiz…' });
  });

  it('disables Previous on the first slide and Next on the last', () => {
    const first = render(instructorState({ slide: demoSlide(1) }));
    expect(button(first, 'Previous')).toMatchObject({
      disabled: true,
      onClickAction: { type: 'slide.set', payload: {} },
    });
    expect(button(first, 'Next')).toMatchObject({ disabled: false });
    const last = render(instructorState({ slide: demoSlide(12) }));
    expect(button(last, 'Previous')).toMatchObject({ disabled: false });
    expect(button(last, 'Next')).toMatchObject({ disabled: true, onClickAction: { type: 'slide.set', payload: {} } });
  });

  it('warns of a spike only when there is one', () => {
    const message = '3 students confused in last 2 minutes — consider pausing';
    const spike = render(instructorState({ spike: { active: true, message } }));
    const box = nodesOfType(spike, 'Box').find((b) => allNodes(b).some((n) => n.value === message));
    expect(box).toMatchObject({ background: { light: 'red-100', dark: 'red-900' } });
    expect(allNodes(box as Node).some((n) => n.value === 'Confusion spike' && n.color === 'danger')).toBe(true);
    const quiet = render(instructorState({ spike: { active: false, message: '' } }));
    expect(allNodes(quiet).some((n) => n.value === 'Confusion spike')).toBe(false);
  });

  it('replaces the chart with a note when there are no slides', () => {
    const root = render(STATES['instructor, no slides'] as ClassAssistWidgetState);
    expect(nodesOfType(root, 'Chart')).toStrictEqual([]);
    expect(allNodes(root).some((n) => typeof n.value === 'string' && n.value.startsWith('No slides yet'))).toBe(true);
    expect(allNodes(root).map((n) => n.value)).toContain('0 active students');
    expect(allNodes(render(instructorState({ activeStudents: 1 }))).map((n) => n.value)).toContain('1 active student');
  });

  it('asks for confirmation of a pending intervention: Confirm sends exactly confirmAction', () => {
    const state = STATES['instructor, pending notify'] as ClassAssistWidgetState;
    const root = render(state);
    expect(nodesOfType(root, 'Markdown')).toStrictEqual([{ type: 'Markdown', value: state.pending?.summary }]);
    expect(button(root, 'Confirm').onClickAction).toStrictEqual(state.pending?.confirmAction);
    expect(button(root, 'Cancel').onClickAction).toStrictEqual({ type: 'intervention.cancel' });
    const assign = STATES['instructor, pending assign'] as ClassAssistWidgetState;
    expect(button(render(assign), 'Confirm').onClickAction).toStrictEqual(assign.pending?.confirmAction);
  });

  it('hides the view switch when the instructor cannot switch', () => {
    const root = render(instructorState({ canSwitchView: false }));
    expect(nodesOfType(root, 'Select').map((s) => s.name)).toStrictEqual([
      'time_range',
      'recipient_filter',
      'quiz_type',
    ]);
  });

  it('shows a notice coloured by its tone', () => {
    const badges = (tone: 'success' | 'info' | 'warning' | 'danger') =>
      nodesOfType(render(instructorState({ notice: { tone, text: 'x' } })), 'Badge');
    expect(badges('danger')).toMatchObject([{ label: 'Error', color: 'danger' }]);
    expect(badges('warning')).toMatchObject([{ label: 'Heads up', color: 'warning' }]);
    expect(badges('info')).toMatchObject([{ label: 'Note', color: 'info' }]);
    expect(badges('success')).toMatchObject([{ label: 'Done', color: 'success' }]);
  });
});

describe('class-assist.widget: hostile text', () => {
  const hostile = 'He said "hi" </script><script>alert(1)</script> {{ 7*7 }} {% if x %} \\ \n\t\u2028 😀 \' — é';

  it.each(['student', 'instructor'] as const)('renders as inert, unchanged text in the %s view', (view) => {
    const base = view === 'student' ? studentState({ askOpen: true }) : instructorState();
    const state: ClassAssistWidgetState = {
      ...base,
      courseName: hostile,
      viewOptions: [
        { value: 'student', label: hostile },
        { value: 'instructor', label: 'Instructor view' },
      ],
      canSwitchView: view === 'instructor',
      metrics: { improvement: hostile },
      spike: { active: true, message: hostile },
      chartData: [{ label: hostile, confused: 50, slide_id: hostile, title: hostile }],
      slide: { id: hostile, label: hostile, title: hostile, topic: hostile, previousId: hostile, nextId: null },
      notice: { tone: 'info', text: hostile },
      pending:
        view === 'instructor'
          ? {
              kind: 'notify',
              summary: hostile,
              confirmAction: { type: 'intervention.notify', payload: { message: hostile, confirmed: true } },
            }
          : null,
    };
    const root = render(state);
    expect(widgetTreeErrors(root)).toStrictEqual([]);
    const values = allNodes(root).map((node) => node.value);
    expect(nodesOfType(root, 'Title')[0]?.value).toBe(hostile);
    expect(values).toContain(hostile); // notice text, slide label, …
    expect(values.some((v) => typeof v === 'string' && v.includes('49'))).toBe(false);
    if (view === 'student') {
      expect(button(root, `Explain ${hostile}`).onClickAction).toStrictEqual({
        type: 'study.explain',
        payload: { topic: hostile },
      });
      expect(button(root, "I'm Confused").onClickAction).toStrictEqual({
        type: 'confusion.ping',
        payload: { slide_id: hostile },
      });
      expect(values).toContain(hostile);
    } else {
      expect(nodesOfType(root, 'Chart')[0]?.data).toStrictEqual(state.chartData);
      expect(nodesOfType(root, 'Markdown')[0]?.value).toBe(hostile);
      expect(button(root, 'Confirm').onClickAction).toStrictEqual(state.pending?.confirmAction);
      expect(button(root, 'Previous').onClickAction).toStrictEqual({
        type: 'slide.set',
        payload: { slide_id: hostile },
      });
      expect(nodesOfType(root, 'Select')[0]?.options).toStrictEqual(state.viewOptions);
    }
  });
});

describe('createClassAssistWidget', () => {
  it('loads the file once', () => {
    expect(createClassAssistWidget()).toBe(widget);
    expect(widget.template.path).toBe(CLASS_ASSIST_WIDGET_PATH);
    expect(CLASS_ASSIST_WIDGET_PATH).toMatch(/apps\/frontend\/src\/widgets\/class-assist\.widget$/);
  });

  it('validateState returns a valid state and throws WidgetValidationError on an invalid one', () => {
    const state: unknown = studentState();
    expect(widget.validateState(state)).toBe(state);
    expect(() => widget.validateState({ ...studentState(), askOpen: 'yes' })).toThrow(WidgetValidationError);
    expect(() => widget.validateState({ ...studentState(), askOpen: 'yes' })).toThrow(
      `Invalid state for Class Assist (${CLASS_ASSIST_WIDGET_PATH}): askOpen: must be boolean`,
    );
  });

  it('render refuses an invalid state before rendering it', () => {
    expect(() => widget.render({ ...studentState(), spike: undefined } as never)).toThrow(/spike: is required/);
    try {
      widget.render(studentState({ view: 'instructor' }));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(WidgetValidationError);
      expect((err as WidgetValidationError).details).toStrictEqual([{ path: 'view', message: 'must be "student"' }]);
    }
  });
});
