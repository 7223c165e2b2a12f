/**
 * What every rendered component can reach: the item it belongs to, how to fire an action, the container's busy
 * state, and (inside a Form or a Card with `asForm`) the form's field values.
 */
import { createContext, type RefObject, useCallback, useContext, useRef, useState } from 'react';
import type { ActionConfig } from '../chatkit/types';
import { setPath } from './props';

/** Fires an action for a widget item; resolves when the server is done (false when it failed). */
export type ActionHandler = (action: ActionConfig, itemId: string | null) => Promise<boolean | undefined> | undefined;

export interface Runtime {
  itemId: string | null;
  onAction: ActionHandler;
  /** `loadingBehavior: "container"`: the whole widget waits. */
  busy: boolean;
  setBusy: (change: 1 | -1) => void;
  idPrefix: string;
  theme: 'light' | 'dark';
  /** Field names that a `Label {fieldName}` names visibly (those fields need no `aria-label`). */
  labelled: ReadonlySet<string>;
}

export const RuntimeContext = createContext<Runtime>({
  itemId: null,
  onAction: () => undefined,
  busy: false,
  setBusy: () => undefined,
  idPrefix: 'w',
  theme: 'light',
  labelled: new Set(),
});

export interface FormScope {
  ref: RefObject<HTMLFormElement | null>;
  /** Called after an action fired from the form succeeded. */
  onSuccess: (submitted: boolean) => void;
}

export const FormContext = createContext<FormScope | null>(null);

export function useRuntime(): Runtime {
  return useContext(RuntimeContext);
}

/** The id a field gets from its name, so a `Label {fieldName}` can point at it. */
export function fieldId(runtime: Runtime, name: string): string {
  return `${runtime.idPrefix}-field-${name.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
}

/** The `fieldName`s of every Label in a widget tree. */
export function labelledFields(node: unknown, found = new Set<string>()): Set<string> {
  if (typeof node !== 'object' || node === null) return found;
  const n = node as Record<string, unknown>;
  if (n.type === 'Label' && typeof n.fieldName === 'string') found.add(n.fieldName);
  const children = Array.isArray(n.children) ? n.children : [n.children];
  for (const child of children) labelledFields(child, found);
  return found;
}

/** The form's named fields: Checkbox → boolean, radio → the checked value, others → their string value. */
export function collectFields(form: HTMLFormElement | null): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  if (!form) return values;
  for (const element of Array.from(form.elements)) {
    if (
      !(element instanceof HTMLInputElement) &&
      !(element instanceof HTMLTextAreaElement) &&
      !(element instanceof HTMLSelectElement)
    ) {
      continue;
    }
    if (!element.name) continue;
    if (element instanceof HTMLInputElement && element.type === 'checkbox')
      setPath(values, element.name, element.checked);
    else if (element instanceof HTMLInputElement && element.type === 'radio') {
      if (element.checked) setPath(values, element.name, element.value);
    } else setPath(values, element.name, element.value);
  }
  return values;
}

/**
 * Runs an action the way ChatKit does: form fields and the control's own value are merged into the payload, and
 * the loading behavior decides what waits (`self`/`auto`: the control; `container`: the widget; `none`: nothing).
 */
export function useAction() {
  const runtime = useRuntime();
  const form = useContext(FormContext);
  const [pending, setPending] = useState(false);
  const inFlight = useRef(false);

  const run = useCallback(
    async (action: ActionConfig, own?: Record<string, unknown>, submitted = false): Promise<boolean> => {
      if (inFlight.current || runtime.busy) return false;
      const payload = { ...(action.payload ?? {}), ...collectFields(form?.ref.current ?? null), ...(own ?? {}) };
      const behavior = action.loadingBehavior ?? 'auto';
      inFlight.current = true;
      if (behavior === 'container') runtime.setBusy(1);
      else if (behavior !== 'none') setPending(true);
      try {
        const result = await runtime.onAction({ ...action, payload }, runtime.itemId);
        const ok = result !== false;
        if (ok) form?.onSuccess(submitted);
        return ok;
      } catch (error) {
        console.error('Widget action failed', action.type, error);
        return false;
      } finally {
        inFlight.current = false;
        if (behavior === 'container') runtime.setBusy(-1);
        else if (behavior !== 'none') setPending(false);
      }
    },
    [runtime, form],
  );

  return { run, pending, disabled: pending || runtime.busy };
}
