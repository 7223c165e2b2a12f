/** ListView and its ListViewItems (clickable when they have an `onClickAction`). */
import { type KeyboardEvent, useState } from 'react';
import { Spinner } from './controls';
import { Children, Status } from './layout';
import { actionOf, childKeys, childrenOf } from './props';
import type { NodeProps } from './render-node';
import { useAction, useRuntime } from './runtime';
import { boxStyle } from './style';

export function ListViewNode({ node }: NodeProps) {
  const items = childrenOf(node);
  const limit = typeof node.limit === 'number' && node.limit > 0 ? node.limit : items.length;
  const [expanded, setExpanded] = useState(false);
  const shown = expanded ? items : items.slice(0, limit);
  const keys = childKeys(items);
  return (
    <div className={`ck-listview-wrap${node.theme === 'dark' ? ' ck-theme-dark' : ''}`}>
      <Status status={node.status} />
      <ul className="ck-listview">
        {shown.map((item, index) => (
          <li key={keys[index]}>
            <ListViewItemNode node={item} />
          </li>
        ))}
      </ul>
      {shown.length < items.length && (
        <button
          type="button"
          className="ck-btn ck-btn--ghost ck-listview-more"
          data-color="secondary"
          onClick={() => setExpanded(true)}
        >
          Show {items.length - shown.length} more
        </button>
      )}
    </div>
  );
}

export function ListViewItemNode({ node }: NodeProps) {
  const { theme } = useRuntime();
  const { run, pending, disabled } = useAction();
  const action = actionOf(node.onClickAction);
  const style = boxStyle({ ...node, gap: node.gap ?? 3, align: node.align ?? 'center' }, 'row', theme);
  if (!action) {
    return (
      <div className="ck-listitem" style={style}>
        <Children node={node} />
      </div>
    );
  }
  const activate = () => {
    if (!disabled) void run(action);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      activate();
    }
  };
  return (
    // biome-ignore lint/a11y/useSemanticElements: an item holds block content (Box, Col) that a <button> cannot
    <div
      className="ck-listitem ck-listitem--action"
      style={style}
      role="button"
      tabIndex={0}
      aria-disabled={disabled || undefined}
      aria-busy={pending || undefined}
      onClick={activate}
      onKeyDown={onKeyDown}
    >
      <Children node={node} />
      {pending && <Spinner />}
    </div>
  );
}
