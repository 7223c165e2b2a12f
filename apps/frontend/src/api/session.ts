/** Class Assist's own endpoints the page calls before the ChatKit protocol: who am I, and a ChatKit session. */
import type { ChatKitSessionResponse, SessionInfo } from '@class-assist/contracts';
import { ChatKitError, errorFrom } from '../chatkit/client';

const TAB_SESSION_KEY = 'class-assist-session';

/**
 * A launch hands the page its session token in the URL fragment (`/#session=<token>`): keep it for this tab only
 * (sessionStorage) and take it out of the address bar. Tabs launched as different people stay different people; the
 * cookie is the fallback (and what a reload without a tab token uses).
 */
let inMemoryToken: string | null = null;

function tabSessionToken(): string | null {
  const match = /(?:^#|&)session=([\w.-]+)/.exec(window.location.hash);
  if (match?.[1]) {
    inMemoryToken = match[1];
    // An LMS iframe on another site may be denied storage: then the token lives as long as this page.
    try {
      sessionStorage.setItem(TAB_SESSION_KEY, match[1]);
    } catch {
      // storage blocked
    }
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  if (inMemoryToken) return inMemoryToken;
  try {
    inMemoryToken = sessionStorage.getItem(TAB_SESSION_KEY);
  } catch {
    inMemoryToken = null;
  }
  return inMemoryToken;
}

/** The tab's session as a bearer header (none when the page relies on the cookie). */
export function sessionHeaders(): Record<string, string> {
  const token = tabSessionToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export type SessionResult = { kind: 'signed-in'; session: SessionInfo } | { kind: 'signed-out'; message: string };

/** `GET /api/session`: 401 means no launch (open Class Assist from the LMS, or the dev launch). */
export async function fetchSession(): Promise<SessionResult> {
  const response = await call('/api/session', {
    credentials: 'same-origin',
    headers: { Accept: 'application/json', ...sessionHeaders() },
  });
  if (response.status === 401) return { kind: 'signed-out', message: (await errorFrom(response)).message };
  if (!response.ok) throw await errorFrom(response);
  return { kind: 'signed-in', session: (await response.json()) as SessionInfo };
}

/** `POST /api/chatkit/session` (the tab's session, or the cookie): the bearer client secret for `POST /chatkit`. */
export async function createChatKitSession(): Promise<ChatKitSessionResponse> {
  const response = await call('/api/chatkit/session', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...sessionHeaders() },
    body: '{}',
  });
  if (!response.ok) throw await errorFrom(response);
  return (await response.json()) as ChatKitSessionResponse;
}

/** `fetch`, with a network failure turned into a readable `ChatKitError`. */
export async function call(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    throw new ChatKitError('Class Assist cannot be reached. Is the server running?', 0, 'network');
  }
}

/**
 * Keeps the client secret fresh: a new ChatKit session is minted when the current one is close to expiring or the
 * server refused it.
 */
export function secretKeeper(initial: ChatKitSessionResponse): (refresh: boolean) => Promise<string> {
  let current = initial;
  let pending: Promise<ChatKitSessionResponse> | null = null;
  return async (refresh) => {
    const expiresAt = Date.parse(current.expires_at);
    const stale = Number.isFinite(expiresAt) && expiresAt - Date.now() < 30_000;
    if (refresh || stale) {
      pending ??= createChatKitSession().finally(() => {
        pending = null;
      });
      current = await pending;
    }
    return current.client_secret;
  };
}
