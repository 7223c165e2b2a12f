/** The thread's items: widgets through the renderer, assistant messages as Markdown, user messages as bubbles. */
import { useEffect, useRef, useState } from 'react';
import type { OutputText, ThreadItem, UserMessageContent } from '../chatkit/types';
import { type ActionHandler, Markdown, WidgetView } from '../widget-renderer';

interface Props {
  items: ThreadItem[];
  busy: boolean;
  onAction: ActionHandler;
}

export function ThreadItems({ items, busy, onAction }: Props) {
  const visible = items.filter((item) => ['widget', 'assistant_message', 'user_message'].includes(item.type));
  const lastId = visible[visible.length - 1]?.id;
  const seen = useRef<string | undefined>(undefined);
  const nodes = useRef(new Map<string, HTMLLIElement>());

  // A new message scrolls into view; re-rendered widgets (live updates) do not move the page.
  useEffect(() => {
    if (!lastId || seen.current === lastId) return;
    const first = seen.current === undefined;
    seen.current = lastId;
    if (first) return;
    const reduce = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    nodes.current.get(lastId)?.scrollIntoView({ block: 'nearest', behavior: reduce ? 'auto' : 'smooth' });
  }, [lastId]);

  return (
    <>
      <ol className="thread" aria-label="Conversation">
        {visible.map((item) => (
          <li
            key={item.id}
            className={`thread-item thread-item--${item.type}`}
            ref={(node) => {
              if (node) nodes.current.set(item.id, node);
              else nodes.current.delete(item.id);
            }}
          >
            <Item item={item} onAction={onAction} />
          </li>
        ))}
      </ol>
      <Announcer items={visible} busy={busy} />
    </>
  );
}

function Item({ item, onAction }: { item: ThreadItem; onAction: ActionHandler }) {
  if (item.type === 'widget') {
    return <WidgetView widget={item.widget} itemId={item.id} onAction={onAction} label="Class Assist" />;
  }
  if (item.type === 'assistant_message') {
    return (
      <div className="message message--assistant">
        <span className="visually-hidden">Class Assist said:</span>
        <Markdown text={assistantText(item)} />
      </div>
    );
  }
  const content = (item.content as UserMessageContent[] | undefined) ?? [];
  return (
    <div className="message message--user">
      <span className="visually-hidden">You said:</span>
      <p>{content.map((part) => part.text).join('')}</p>
    </div>
  );
}

function assistantText(item: ThreadItem): string {
  const content = (item.content as OutputText[] | undefined) ?? [];
  return content.map((part) => part?.text ?? '').join('\n\n');
}

/** Tells screen readers about a finished reply (the thread list itself is not a live region). */
function Announcer({ items, busy }: { items: ThreadItem[]; busy: boolean }) {
  const [message, setMessage] = useState('');
  const announced = useRef<string | null>(null);
  const last = [...items].reverse().find((item) => item.type === 'assistant_message');
  useEffect(() => {
    if (busy || !last) return;
    if (announced.current === null) {
      announced.current = last.id;
      return;
    }
    if (announced.current === last.id) return;
    announced.current = last.id;
    const text = assistantText(last).replace(/[#*_`>[\]()]/g, '');
    setMessage(`Class Assist replied: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`);
  }, [busy, last]);
  return (
    <div className="visually-hidden" role="status" aria-live="polite">
      {message}
    </div>
  );
}
