/**
 * `?demo`: the page without a server. `?demo=student` / `?demo=instructor` render the real widget template with
 * sample states and a fake server (actions are logged and change the sample state); `?demo=preview` shows the
 * widget file's `outputJsonPreview`; `?demo=json` renders any widget JSON pasted in.
 */
import type { ClassAssistWidgetState, SessionInfo } from '@class-assist/contracts';
import { useCallback, useMemo, useState } from 'react';
import type { ThreadAlert } from '../chatkit/thread-model';
import type { ActionConfig, ThreadItem } from '../chatkit/types';
import { Alerts } from '../components/Alerts';
import { Composer } from '../components/Composer';
import { Header } from '../components/Header';
import { ThreadItems } from '../components/ThreadItems';
import { WidgetView } from '../widget-renderer';
import { outputJsonPreview, renderWidget } from './render-template';
import { demoAction, demoState } from './states';

const MODES = [
  { id: 'student', label: 'Student view' },
  { id: 'instructor', label: 'Instructor view' },
  { id: 'preview', label: 'Widget preview' },
  { id: 'json', label: 'Paste JSON' },
] as const;

type Mode = (typeof MODES)[number]['id'];

export default function DemoPage() {
  const param = new URLSearchParams(window.location.search).get('demo');
  const mode: Mode = MODES.some((m) => m.id === param) ? (param as Mode) : 'student';
  return (
    <div className="page">
      <Header session={demoSession(mode)} live="live" canUpload={false} />
      <main className="page-main" id="main">
        <nav className="demo-nav" aria-label="Demo views">
          <span className="demo-tag">Demo · no server</span>
          {MODES.map((m) => (
            <a key={m.id} href={`?demo=${m.id}`} aria-current={m.id === mode ? 'page' : undefined}>
              {m.label}
            </a>
          ))}
        </nav>
        {mode === 'json' ? <PasteJson /> : mode === 'preview' ? <Preview /> : <FakeThread view={mode} />}
      </main>
    </div>
  );
}

function demoSession(mode: Mode): SessionInfo {
  const instructor = mode !== 'student';
  return {
    userId: instructor ? 'demo-instructor' : 'demo-student-1',
    courseId: 'demo',
    courseName: 'Introduction to Machine Learning',
    role: instructor ? 'instructor' : 'student',
  };
}

function logAction(action: ActionConfig, itemId: string | null) {
  console.info('[demo] action', itemId, JSON.stringify(action));
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function item(id: string, type: string, props: Record<string, unknown>): ThreadItem {
  return { id, thread_id: 'thr_demo', created_at: new Date().toISOString(), type, ...props };
}

/** The thread as the server would stream it, with a fake server behind the actions. */
function FakeThread({ view }: { view: 'student' | 'instructor' }) {
  const [state, setState] = useState<ClassAssistWidgetState>(() => demoState(view));
  const [messages, setMessages] = useState<ThreadItem[]>([]);
  const [alerts, setAlerts] = useState<ThreadAlert[]>([]);
  const [busy, setBusy] = useState(false);
  const widget = useMemo(() => renderWidget(state), [state]);

  const onAction = useCallback(
    async (action: ActionConfig, itemId: string | null) => {
      logAction(action, itemId);
      await wait(600);
      const result = demoAction(state, action.type, action.payload ?? {});
      setState(result.state);
      const { reply } = result;
      if (reply)
        setMessages((m) => [
          ...m,
          item(`msg_${m.length}`, 'assistant_message', {
            content: [{ type: 'output_text', text: reply, annotations: [] }],
          }),
        ]);
      return true;
    },
    [state],
  );

  const onSend = useCallback(async (text: string) => {
    setBusy(true);
    setMessages((m) => [...m, item(`msg_u${m.length}`, 'user_message', { content: [{ type: 'input_text', text }] })]);
    await wait(500);
    setMessages((m) => [
      ...m,
      item(`msg_a${m.length}`, 'assistant_message', {
        content: [
          { type: 'output_text', text: `You asked: *${text}*. (The demo has no server to answer.)`, annotations: [] },
        ],
      }),
    ]);
    setAlerts((a) => [...a, { id: Date.now(), level: 'info', message: 'This is the demo: nothing was sent.' }]);
    setBusy(false);
    return true;
  }, []);

  const items = [item('msg_widget', 'widget', { widget }), ...messages];
  return (
    <div className="thread-page">
      <ThreadItems items={items} busy={busy} onAction={onAction} />
      <div className="thread-footer">
        <Alerts alerts={alerts} onDismiss={(id) => setAlerts((a) => a.filter((x) => x.id !== id))} />
        <Composer busy={busy} disabled={false} onSend={onSend} />
      </div>
    </div>
  );
}

function Preview() {
  return (
    <WidgetView
      widget={outputJsonPreview}
      itemId="preview"
      label="Class Assist preview"
      onAction={async (action, itemId) => {
        logAction(action, itemId);
        await wait(600);
        return true;
      }}
    />
  );
}

function PasteJson() {
  const [text, setText] = useState(() => JSON.stringify(outputJsonPreview, null, 2));
  const parsed = useMemo(() => {
    try {
      return { widget: JSON.parse(text) as unknown, error: null };
    } catch (error) {
      return { widget: null, error: String(error) };
    }
  }, [text]);
  return (
    <div className="demo-paste">
      <label htmlFor="demo-json">Widget JSON</label>
      <textarea
        id="demo-json"
        className="ck-input"
        rows={10}
        value={text}
        onChange={(event) => setText(event.target.value)}
        spellCheck={false}
      />
      {parsed.error ? (
        <p role="alert" className="alert alert--danger">
          {parsed.error}
        </p>
      ) : (
        <WidgetView
          widget={parsed.widget}
          itemId="pasted"
          label="Pasted widget"
          onAction={async (action, itemId) => {
            logAction(action, itemId);
            await wait(600);
            return true;
          }}
        />
      )}
    </div>
  );
}
