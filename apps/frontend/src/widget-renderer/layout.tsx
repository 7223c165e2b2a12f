/** Containers: Basic, Card, Box/Row/Col, Form, and the small layout pieces (Spacer, Divider, Transition, Table). */
import { type CSSProperties, type FormEvent, type ReactNode, useMemo, useRef, useState } from 'react';
import type { WidgetNode } from '../chatkit/types';
import { Spinner } from './controls';
import { glyph } from './icons';
import { actionOf, childKeys, childrenOf, isNode, str } from './props';
import type { NodeProps } from './render-node';
import { RenderNode } from './render-node';
import { FormContext, type FormScope, useAction, useRuntime } from './runtime';
import { blockStyle, boxStyle, clean, color, dimension, sides, space } from './style';

export function Children({ node }: NodeProps) {
  const children = childrenOf(node);
  const keys = childKeys(children);
  return (
    <>
      {children.map((child, index) => (
        <RenderNode key={keys[index]} node={child} />
      ))}
    </>
  );
}

export function BasicNode({ node }: NodeProps) {
  const { theme } = useRuntime();
  const direction = str(node.direction) === 'row' ? 'row' : 'column';
  return (
    <div className="ck-basic" style={boxStyle(node, direction, theme)}>
      <Children node={node} />
    </div>
  );
}

export function BoxNode({ node }: NodeProps) {
  const { theme } = useRuntime();
  const direction = node.type === 'Row' || str(node.direction) === 'row' ? 'row' : 'column';
  return (
    <div className={`ck-box ck-${node.type.toLowerCase()}`} style={boxStyle(node, direction, theme)}>
      <Children node={node} />
    </div>
  );
}

/** A `<form>` whose named fields go into every action fired inside it. */
function FormScopeView({
  node,
  onSubmitAction,
  className,
  style,
  children,
}: {
  node: WidgetNode;
  onSubmitAction?: unknown;
  className: string;
  style?: CSSProperties;
  children: ReactNode;
}) {
  const ref = useRef<HTMLFormElement>(null);
  // After a successful submit the fields start over (a new question, an empty box).
  const [generation, setGeneration] = useState(0);
  const scope = useMemo<FormScope>(
    () => ({ ref, onSuccess: (submitted) => submitted && setGeneration((n) => n + 1) }),
    [],
  );
  return (
    <FormContext.Provider value={scope}>
      <SubmitForm
        node={node}
        action={onSubmitAction}
        formRef={ref}
        className={className}
        style={style}
        key={generation}
      >
        {children}
      </SubmitForm>
    </FormContext.Provider>
  );
}

function SubmitForm({
  action,
  formRef,
  className,
  style,
  children,
}: {
  node: WidgetNode;
  action: unknown;
  formRef: React.RefObject<HTMLFormElement | null>;
  className: string;
  style?: CSSProperties;
  children: ReactNode;
}) {
  const { run, pending } = useAction();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const config = actionOf(action);
    if (config) void run(config, undefined, true);
  };
  return (
    <form
      ref={formRef}
      className={className}
      style={style}
      onSubmit={submit}
      aria-busy={pending || undefined}
      noValidate={false}
    >
      {children}
    </form>
  );
}

export function FormNode({ node }: NodeProps) {
  const { theme } = useRuntime();
  const direction = str(node.direction) === 'row' ? 'row' : 'column';
  return (
    <FormScopeView
      node={node}
      onSubmitAction={node.onSubmitAction}
      className="ck-box ck-form"
      style={boxStyle(node, direction, theme)}
    >
      <Children node={node} />
    </FormScopeView>
  );
}

export function CardNode({ node }: NodeProps) {
  const { theme } = useRuntime();
  const size = str(node.size) ?? 'md';
  const padding = sides(node.padding, 'padding');
  const style = clean({
    background: color(node.background, 'bg', theme),
    ...padding,
    ['--ck-card-padding' as string]: typeof node.padding === 'object' ? undefined : space(node.padding),
  } as CSSProperties);
  const body = (
    <>
      <div className="ck-card-body">
        <Children node={node} />
      </div>
      <CardActions node={node} />
    </>
  );
  const className = `ck-card ck-card--${size}${node.theme === 'dark' ? ' ck-theme-dark' : ''}`;
  return (
    <div className="ck-card-wrap" data-size={size}>
      <Status status={node.status} />
      {node.collapsed === true ? (
        <details className={className} style={style}>
          <summary>Show details</summary>
          {body}
        </details>
      ) : node.asForm === true ? (
        <FormScopeView node={node} className={className} style={style}>
          {body}
        </FormScopeView>
      ) : (
        <div className={className} style={style}>
          {body}
        </div>
      )}
    </div>
  );
}

/** `Card.confirm` / `Card.cancel`: the card's own buttons at its foot. */
function CardActions({ node }: NodeProps) {
  const confirm = cardAction(node.confirm);
  const cancel = cardAction(node.cancel);
  if (!confirm && !cancel) return null;
  return (
    <div className="ck-card-actions">
      {cancel && <CardActionButton label={cancel.label} action={cancel.action} kind="cancel" />}
      {confirm && <CardActionButton label={confirm.label} action={confirm.action} kind="confirm" />}
    </div>
  );
}

function cardAction(value: unknown) {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const action = actionOf(v.action);
  return action
    ? { label: str(v.label) ?? (action.type.endsWith('cancel') ? 'Cancel' : 'Confirm'), action }
    : undefined;
}

function CardActionButton({
  label,
  action,
  kind,
}: {
  label: string;
  action: NonNullable<ReturnType<typeof actionOf>>;
  kind: 'confirm' | 'cancel';
}) {
  const { run, pending, disabled } = useAction();
  return (
    <button
      type="button"
      className={`ck-btn ck-btn--${kind === 'confirm' ? 'solid' : 'outline'}`}
      data-color={kind === 'confirm' ? 'primary' : 'secondary'}
      aria-disabled={disabled || undefined}
      aria-busy={pending || undefined}
      onClick={() => void run(action)}
    >
      {pending && <Spinner />}
      <span>{label}</span>
    </button>
  );
}

export function Status({ status }: { status: unknown }) {
  if (typeof status !== 'object' || status === null) return null;
  const s = status as Record<string, unknown>;
  const text = str(s.text);
  if (!text) return null;
  const favicon = str(s.favicon);
  return (
    <div className="ck-status">
      {favicon ? <img src={favicon} alt="" width={14} height={14} /> : <span aria-hidden="true">{glyph(s.icon)}</span>}
      <span>{text}</span>
    </div>
  );
}

export function SpacerNode({ node }: NodeProps) {
  return (
    <div
      className="ck-spacer"
      aria-hidden="true"
      style={clean({ minWidth: space(node.minSize), minHeight: space(node.minSize) })}
    />
  );
}

export function DividerNode({ node }: NodeProps) {
  const { theme } = useRuntime();
  const spacing = space(node.spacing);
  return (
    <hr
      className={`ck-divider${node.flush === true ? ' ck-divider--flush' : ''}`}
      style={clean({
        borderTopColor: color(node.color, 'border', theme),
        borderTopWidth: dimension(node.size),
        marginTop: spacing,
        marginBottom: spacing,
      })}
    />
  );
}

export function TransitionNode({ node }: NodeProps) {
  return <Children node={node} />;
}

/** Table / Table.Row / Table.Cell. */
export function TableNode({ node }: NodeProps) {
  const rows = childrenOf(node).filter((row) => row.type === 'Table.Row');
  const rowKeys = childKeys(rows);
  return (
    <table className="ck-table">
      <tbody>
        {rows.map((row, r) => (
          <tr key={rowKeys[r]}>
            {childrenOf(row).map((cell, c) => {
              const Cell = row.header === true ? 'th' : 'td';
              return (
                <Cell
                  // biome-ignore lint/suspicious/noArrayIndexKey: cells are identified by their column
                  key={c}
                  colSpan={typeof cell.colSpan === 'number' ? cell.colSpan : undefined}
                  rowSpan={typeof cell.rowSpan === 'number' ? cell.rowSpan : undefined}
                  style={clean({
                    textAlign: str(cell.align) as CSSProperties['textAlign'],
                    ...blockStyle(cell),
                    ...sides(cell.padding, 'padding'),
                  })}
                >
                  {isNode(cell) && <Children node={cell} />}
                </Cell>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
