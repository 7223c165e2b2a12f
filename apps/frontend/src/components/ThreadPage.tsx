/** The built-in ChatKit view: the thread (widget first), alerts, progress, and the chat box. */
import type { ChatKitSessionResponse } from '@class-assist/contracts';
import { useCallback, useEffect, useMemo } from 'react';
import type { RefreshRef } from '../App';
import { secretKeeper } from '../api/session';
import { ChatKitClient } from '../chatkit/client';
import type { ActionConfig } from '../chatkit/types';
import { useThread } from '../chatkit/use-thread';
import { Alerts } from './Alerts';
import { Composer } from './Composer';
import { ErrorPanel, Loading } from './feedback';
import { ThreadItems } from './ThreadItems';

export function ThreadPage({ chatkit, refreshRef }: { chatkit: ChatKitSessionResponse; refreshRef: RefreshRef }) {
  const client = useMemo(() => new ChatKitClient({ url: '/chatkit', getSecret: secretKeeper(chatkit) }), [chatkit]);
  const thread = useThread(client);
  const { refresh, sendAction } = thread;

  useEffect(() => {
    refreshRef.current = () => void refresh();
    return () => {
      refreshRef.current = null;
    };
  }, [refresh, refreshRef]);

  const onAction = useCallback(
    (action: ActionConfig, itemId: string | null) => {
      if (action.handler === 'client') {
        console.info('Class Assist: client action (nothing handles it)', action);
        return undefined;
      }
      return sendAction(action, itemId);
    },
    [sendAction],
  );

  if (thread.status.kind === 'loading' && thread.state.items.length === 0)
    return <Loading label="Loading your session…" />;
  if (thread.status.kind === 'error') {
    return (
      <ErrorPanel
        title="Class Assist could not open"
        message={thread.status.message}
        onRetry={() => void thread.open()}
      />
    );
  }
  return (
    <div className="thread-page">
      <ThreadItems items={thread.state.items} busy={thread.busy} onAction={onAction} />
      {/* Kept in view: what is happening, what went wrong, and the chat box. */}
      <div className="thread-footer">
        {thread.state.progress && (
          <div className="progress" role="status" aria-live="polite">
            <span className="ck-spinner" aria-hidden="true" />
            {thread.state.progress}
          </div>
        )}
        <Alerts alerts={thread.state.alerts} onDismiss={thread.dismissAlert} />
        <Composer busy={thread.busy} disabled={!thread.state.thread} onSend={thread.sendMessage} />
      </div>
    </div>
  );
}
