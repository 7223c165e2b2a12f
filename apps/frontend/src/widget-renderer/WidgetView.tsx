/** Renders one widget (a ChatKit widget root as JSON) and routes its actions to `onAction`. */
import { Component, type ReactNode, useCallback, useId, useMemo, useState } from 'react';
import type { WidgetNode } from '../chatkit/types';
import { Spinner } from './controls';
import { isNode } from './props';
import { RenderNode } from './render-node';
import { type ActionHandler, labelledFields, type Runtime, RuntimeContext } from './runtime';

export interface WidgetViewProps {
  widget: unknown;
  itemId?: string | null;
  onAction: ActionHandler;
  /** Accessible name of the widget region. */
  label?: string;
}

export function WidgetView({ widget, itemId = null, onAction, label = 'Widget' }: WidgetViewProps) {
  const idPrefix = useId().replace(/:/g, '');
  const [busyCount, setBusyCount] = useState(0);
  const setBusy = useCallback((change: 1 | -1) => setBusyCount((n) => Math.max(0, n + change)), []);
  const theme = isNode(widget) && widget.theme === 'dark' ? 'dark' : 'light';
  const labelled = useMemo(() => labelledFields(widget), [widget]);
  const runtime = useMemo<Runtime>(
    () => ({ itemId, onAction, busy: busyCount > 0, setBusy, idPrefix, theme, labelled }),
    [itemId, onAction, busyCount, setBusy, idPrefix, theme, labelled],
  );
  return (
    <section className="ck-widget" aria-label={label} aria-busy={busyCount > 0 || undefined}>
      <RuntimeContext.Provider value={runtime}>
        <WidgetBoundary widget={widget}>
          {isNode(widget) ? (
            <RenderNode node={widget as WidgetNode} />
          ) : (
            <div className="ck-unknown" role="note">
              This widget has no content.
            </div>
          )}
        </WidgetBoundary>
      </RuntimeContext.Provider>
      {busyCount > 0 && (
        <div className="ck-widget-busy">
          <Spinner />
          <span className="visually-hidden">Working…</span>
        </div>
      )}
    </section>
  );
}

/** A widget that breaks the renderer shows a message instead of taking the page down. */
class WidgetBoundary extends Component<{ widget: unknown; children: ReactNode }, { failed: unknown }> {
  override state: { failed: unknown } = { failed: null };

  static getDerivedStateFromError(error: unknown) {
    return { failed: error ?? true };
  }

  override componentDidUpdate(previous: { widget: unknown }) {
    if (previous.widget !== this.props.widget && this.state.failed) this.setState({ failed: null });
  }

  override componentDidCatch(error: unknown) {
    console.error('Widget rendering failed', error);
  }

  override render() {
    if (this.state.failed) {
      return (
        <div className="ck-unknown" role="alert">
          This widget could not be shown.
        </div>
      );
    }
    return this.props.children;
  }
}
