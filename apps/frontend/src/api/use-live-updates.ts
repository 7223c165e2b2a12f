/**
 * `GET /api/live`: server-sent `LiveEvent`s for the signed-in course (authorised by the `client_secret` in the URL).
 * `course.changed` calls `onChange` (debounced); a dropped connection is reopened with growing delays, and the page
 * refreshes once it is back, for what it may have missed.
 */
import type { LiveEvent } from '@class-assist/contracts';
import { useEffect, useRef, useState } from 'react';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

const DEBOUNCE_MS = 150;
const MAX_BACKOFF_MS = 30_000;

export function useLiveUpdates(enabled: boolean, onChange: () => void, url = '/api/live'): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const callback = useRef(onChange);
  callback.current = onChange;

  useEffect(() => {
    if (!enabled) return;
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let debounce: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let stopped = false;

    const changed = () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => callback.current(), DEBOUNCE_MS);
    };

    const connect = () => {
      source = new EventSource(url, { withCredentials: true });
      source.onopen = () => {
        if (failures > 0) changed();
        failures = 0;
        setStatus('live');
      };
      source.onmessage = (message: MessageEvent<string>) => {
        let event: LiveEvent;
        try {
          event = JSON.parse(message.data) as LiveEvent;
        } catch {
          return;
        }
        if (event.type === 'course.changed') changed();
      };
      source.onerror = () => {
        source?.close();
        source = null;
        if (stopped) return;
        failures += 1;
        setStatus('reconnecting');
        const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (failures - 1)) * (0.75 + Math.random() * 0.5);
        retry = setTimeout(connect, delay);
      };
    };

    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      clearTimeout(debounce);
      source?.close();
    };
  }, [enabled, url]);

  return status;
}
