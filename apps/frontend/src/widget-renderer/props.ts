/** Reading widget props defensively: widget JSON comes from a server and is never trusted to be well-formed. */
import type { ActionConfig, WidgetNode } from '../chatkit/types';

export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function isNode(value: unknown): value is WidgetNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Children as a list of nodes (a single child object is accepted too; anything else is dropped). */
export function childrenOf(node: WidgetNode): WidgetNode[] {
  const { children } = node;
  if (Array.isArray(children)) return children.filter(isNode);
  return isNode(children) ? [children] : [];
}

export function actionOf(value: unknown): ActionConfig | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const action = value as Record<string, unknown>;
  if (typeof action.type !== 'string' || !action.type) return undefined;
  const payload = typeof action.payload === 'object' && action.payload !== null ? action.payload : undefined;
  return { ...(action as unknown as ActionConfig), payload: payload as Record<string, unknown> | undefined };
}

/**
 * React keys for a list of children: `key` or `id` when given, else the type and its count among same-typed siblings
 * ("Col#0"). A component inserted before others (a notice row) then leaves its siblings mounted, with what was typed
 * in their fields.
 */
export function childKeys(nodes: WidgetNode[]): string[] {
  const seen = new Map<string, number>();
  return nodes.map((node) => {
    const explicit = str(node.key) ?? str(node.id);
    if (explicit !== undefined) return `=${explicit}`;
    const count = seen.get(node.type) ?? 0;
    seen.set(node.type, count + 1);
    return `${node.type}#${count}`;
  });
}

/** "recipient_filter" → "Recipient filter". */
export function humanize(name: string): string {
  const words = name
    .replace(/[._-]+/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Sets `a.b.c` in a payload (dotted field names nest). */
export function setPath(target: Record<string, unknown>, name: string, value: unknown): void {
  const parts = name.split('.');
  let cursor = target;
  for (const part of parts.slice(0, -1)) {
    const next = cursor[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cursor[part] = {};
    cursor = cursor[part] as Record<string, unknown>;
  }
  cursor[parts[parts.length - 1] ?? name] = value;
}
