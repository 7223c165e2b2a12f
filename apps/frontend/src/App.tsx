/**
 * The page: who is signed in (GET /api/session), a ChatKit session (POST /api/chatkit/session), then the Class
 * Assist thread, either in the real ChatKit element (when the server has a domain key) or in the built-in renderer.
 * `?demo` shows the widget without a server.
 */
import type { ChatKitSessionResponse, SessionInfo } from '@class-assist/contracts';
import { lazy, type RefObject, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { createChatKitSession, fetchSession } from './api/session';
import { useLiveUpdates } from './api/use-live-updates';
import { messageOf } from './chatkit/use-thread';
import { ErrorPanel, Loading } from './components/feedback';
import { Header } from './components/Header';
import { Landing } from './components/Landing';
import { ThreadPage } from './components/ThreadPage';

const DemoPage = lazy(() => import('./demo/DemoPage'));
const HostedChatKit = lazy(() => import('./hosted/HostedChatKit'));

type PageState =
  | { kind: 'loading' }
  | { kind: 'signed-out'; message: string }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; session: SessionInfo; chatkit: ChatKitSessionResponse };

export function App() {
  if (new URLSearchParams(window.location.search).has('demo')) {
    return (
      <Suspense fallback={<Loading label="Loading the demo…" />}>
        <DemoPage />
      </Suspense>
    );
  }
  return <SessionPage />;
}

function SessionPage() {
  const [state, setState] = useState<PageState>({ kind: 'loading' });
  const [builtIn, setBuiltIn] = useState(false);
  // The open thread registers how to refresh it; GET /api/live calls it when the course changes.
  const refresh = useRef<(() => void) | null>(null);
  // The live stream is authorised by this tab's ChatKit client secret (EventSource cannot send headers).
  const liveUrl =
    state.kind === 'ready' ? `/api/live?client_secret=${encodeURIComponent(state.chatkit.client_secret)}` : '/api/live';
  const live = useLiveUpdates(state.kind === 'ready', () => refresh.current?.(), liveUrl);

  const load = useCallback(async () => {
    setState({ kind: 'loading' });
    try {
      const result = await fetchSession();
      if (result.kind === 'signed-out') {
        setState({ kind: 'signed-out', message: result.message });
        return;
      }
      const chatkit = await createChatKitSession();
      setState({ kind: 'ready', session: result.session, chatkit });
    } catch (error) {
      setState({ kind: 'error', message: messageOf(error) });
    }
  }, []);

  // Once (React's development double effects must not mint two sessions and open two threads).
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void load();
  }, [load]);

  if (state.kind === 'signed-out') return <Landing />;
  return (
    <div className="page">
      <Header
        session={state.kind === 'ready' ? state.session : null}
        live={state.kind === 'ready' ? live : undefined}
      />
      <main className="page-main" id="main">
        {state.kind === 'loading' && <Loading label="Opening Class Assist…" />}
        {state.kind === 'error' && (
          <ErrorPanel title="Class Assist is unavailable" message={state.message} onRetry={load} />
        )}
        {state.kind === 'ready' &&
          (state.chatkit.chatkit && !builtIn ? (
            <Suspense fallback={<Loading label="Loading ChatKit…" />}>
              <HostedChatKit session={state.chatkit} refreshRef={refresh} onFallback={() => setBuiltIn(true)} />
            </Suspense>
          ) : (
            <ThreadPage chatkit={state.chatkit} refreshRef={refresh} />
          ))}
      </main>
    </div>
  );
}

export type RefreshRef = RefObject<(() => void) | null>;
