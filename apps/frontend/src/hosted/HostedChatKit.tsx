/**
 * The real ChatKit element (`<openai-chatkit>`, loaded from OpenAI's CDN) pointed at Class Assist's ChatKit server,
 * used when the server has a domain key. Its requests carry the bearer client secret through a custom fetch. The
 * thread is opened (or created with an empty input, which adds the Class Assist widget) before the element mounts.
 */
import type { ChatKitSessionResponse } from '@class-assist/contracts';
import { ChatKit, useChatKit } from '@openai/chatkit-react';
import { useEffect, useMemo, useState } from 'react';
import type { RefreshRef } from '../App';
import { secretKeeper } from '../api/session';
import { ChatKitClient } from '../chatkit/client';
import { type Page, type Thread, textInput } from '../chatkit/types';
import { messageOf } from '../chatkit/use-thread';
import { ErrorPanel, Loading } from '../components/feedback';

const SCRIPT_URL = 'https://cdn.platform.openai.com/deployments/chatkit/chatkit.js';
const LOAD_TIMEOUT_MS = 15_000;

interface Props {
  session: ChatKitSessionResponse;
  refreshRef: RefreshRef;
  onFallback: () => void;
}

type Loaded = { kind: 'loading' } | { kind: 'ready'; threadId: string } | { kind: 'error'; message: string };

export default function HostedChatKit({ session, refreshRef, onFallback }: Props) {
  const config = session.chatkit;
  const getSecret = useMemo(() => secretKeeper(session), [session]);
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });

  useEffect(() => {
    if (!config) return;
    let cancelled = false;
    const client = new ChatKitClient({ url: config.url, getSecret });
    Promise.all([loadScript(), openThread(client)])
      .then(([, threadId]) => !cancelled && setLoaded({ kind: 'ready', threadId }))
      .catch((error: unknown) => !cancelled && setLoaded({ kind: 'error', message: messageOf(error) }));
    return () => {
      cancelled = true;
    };
  }, [config, getSecret]);

  if (!config) return null;
  if (loaded.kind === 'loading') return <Loading label="Loading ChatKit…" />;
  if (loaded.kind === 'error') {
    return (
      <ErrorPanel
        title="ChatKit could not load"
        message={loaded.message}
        onRetry={onFallback}
        retryLabel="Use the built-in view"
      />
    );
  }
  return (
    <Mounted
      url={config.url}
      domainKey={config.domain_key}
      threadId={loaded.threadId}
      getSecret={getSecret}
      refreshRef={refreshRef}
    />
  );
}

function Mounted({
  url,
  domainKey,
  threadId,
  getSecret,
  refreshRef,
}: {
  url: string;
  domainKey: string;
  threadId: string;
  getSecret: (refresh: boolean) => Promise<string>;
  refreshRef: RefreshRef;
}) {
  const chatkit = useChatKit({
    api: {
      url,
      domainKey,
      fetch: async (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set('Authorization', `Bearer ${await getSecret(false)}`);
        return fetch(input, { ...init, headers });
      },
    },
    initialThread: threadId,
    theme: 'light',
    composer: { placeholder: 'Ask about the lecture…' },
  });
  const { fetchUpdates } = chatkit;
  useEffect(() => {
    refreshRef.current = () => void fetchUpdates();
    return () => {
      refreshRef.current = null;
    };
  }, [fetchUpdates, refreshRef]);
  return <ChatKit control={chatkit.control} className="hosted-chatkit" />;
}

/** The latest thread, or a new one (an empty `threads.create` makes the server add the widget). */
async function openThread(client: ChatKitClient): Promise<string> {
  const latest = await client.request<Page<Thread>>('threads.list', { limit: 1, order: 'desc' });
  const existing = latest.data[0];
  if (existing) return existing.id;
  let created: string | null = null;
  await client.stream('threads.create', { input: textInput('') }, (event) => {
    if (event.type === 'thread.created') created = event.thread.id;
  });
  if (!created) throw new Error('Class Assist did not create a thread.');
  return created;
}

function loadScript(): Promise<void> {
  if (customElements.get('openai-chatkit')) return Promise.resolve();
  if (!document.querySelector(`script[src="${SCRIPT_URL}"]`)) {
    const script = document.createElement('script');
    script.src = SCRIPT_URL;
    script.async = true;
    document.head.append(script);
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('The ChatKit script from OpenAI did not load (offline, or blocked).')),
      LOAD_TIMEOUT_MS,
    );
    customElements.whenDefined('openai-chatkit').then(() => {
      clearTimeout(timer);
      resolve();
    }, reject);
  });
}
