/** Text, Title, Caption, Markdown, Badge, Label, Icon and Image. */
import type { CSSProperties } from 'react';
import { glyph } from './icons';
import { Markdown } from './markdown';
import { num, str } from './props';
import type { NodeProps } from './render-node';
import { fieldId, useRuntime } from './runtime';
import { blockStyle, clean, color, dimension, textAlign } from './style';

const WEIGHTS: Record<string, number> = { normal: 400, medium: 500, semibold: 600, bold: 700 };

/** Text, Title and Caption share their props: value, color, weight, size, textAlign, truncate, maxLines. */
export function TextNode({ node }: NodeProps) {
  const { theme } = useRuntime();
  const maxLines = num(node.maxLines);
  const style = clean({
    color: color(node.color, 'text', theme),
    fontWeight: WEIGHTS[str(node.weight) ?? ''],
    textAlign: textAlign(node.textAlign),
    fontStyle: node.italic === true ? 'italic' : undefined,
    textDecoration: node.lineThrough === true ? 'line-through' : undefined,
    width: dimension(node.width),
    minHeight: typeof node.minLines === 'number' ? `${node.minLines * 1.5}em` : undefined,
    WebkitLineClamp: maxLines,
  } as CSSProperties);
  const kind = node.type === 'Title' ? 'title' : node.type === 'Caption' ? 'caption' : 'text';
  const size = str(node.size) ?? (kind === 'title' ? 'md' : 'md');
  const className = [
    `ck-${kind}`,
    `ck-${kind}--${size}`,
    node.truncate === true ? 'ck-truncate' : '',
    maxLines ? 'ck-clamp' : '',
    node.streaming === true ? 'ck-streaming' : '',
  ]
    .filter(Boolean)
    .join(' ');
  const value = str(node.value) ?? '';
  if (kind === 'title') {
    return (
      <h2 className={className} style={style}>
        {value}
      </h2>
    );
  }
  return (
    <p className={className} style={style}>
      {value}
    </p>
  );
}

export function MarkdownNode({ node }: NodeProps) {
  return <Markdown text={str(node.value) ?? ''} className={node.streaming === true ? 'ck-streaming' : undefined} />;
}

export function BadgeNode({ node }: NodeProps) {
  return (
    <span
      className={`ck-badge ck-badge--${str(node.variant) ?? 'soft'} ck-badge--${str(node.size) ?? 'sm'}${node.pill === true ? ' ck-pill' : ''}`}
      data-color={str(node.color) ?? 'secondary'}
    >
      {str(node.label) ?? ''}
    </span>
  );
}

export function LabelNode({ node }: NodeProps) {
  const runtime = useRuntime();
  const field = str(node.fieldName);
  return (
    <label
      className={`ck-label ck-text--${str(node.size) ?? 'sm'}`}
      htmlFor={field ? fieldId(runtime, field) : undefined}
      style={clean({
        color: color(node.color, 'text', runtime.theme),
        fontWeight: WEIGHTS[str(node.weight) ?? ''],
        textAlign: textAlign(node.textAlign),
      })}
    >
      {str(node.value) ?? ''}
    </label>
  );
}

export function IconNode({ node }: NodeProps) {
  const { theme } = useRuntime();
  const symbol = glyph(node.name);
  if (!symbol) return null;
  return (
    <span
      className={`ck-icon ck-icon--${str(node.size) ?? 'md'}`}
      aria-hidden="true"
      style={clean({ color: color(node.color, 'text', theme) })}
    >
      {symbol}
    </span>
  );
}

export function ImageNode({ node }: NodeProps) {
  const src = str(node.src);
  if (!src) return null;
  return (
    <img
      className={`ck-image${node.frame === true ? ' ck-image--frame' : ''}${node.flush === true ? ' ck-image--flush' : ''}`}
      src={src}
      alt={str(node.alt) ?? ''}
      style={clean({
        objectFit: str(node.fit) as CSSProperties['objectFit'],
        objectPosition: str(node.position),
        ...blockStyle(node),
      })}
    />
  );
}
