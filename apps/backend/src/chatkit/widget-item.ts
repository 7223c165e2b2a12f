/**
 * Class Assist widget items in a ChatKit thread. The stored item keeps its UI state (view, open form, time range,
 * notice, pending confirmation) under `class_assist`; every time it is sent, it is rendered afresh from the database
 * with that state, so a reload or `fetchUpdates()` always shows the live heatmap.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  NotFoundError,
  type Store,
  type ThreadItem,
  type WidgetItem,
  type WidgetRoot,
} from '@class-assist/chatkit-server';
import type { ClassAssistWidgetState } from '@class-assist/contracts';
import { memberActor } from '../functions/function.js';
import type { FunctionRegistry } from '../functions/registry.js';
import type { WidgetMember, WidgetUi } from '../widget/widget-state.js';

export type StoredWidgetItem = WidgetItem & { class_assist: { ui: WidgetUi } };

export type RenderWidget = (state: ClassAssistWidgetState) => WidgetRoot;

export function isClassAssistItem(item: ThreadItem): item is StoredWidgetItem {
  return item.type === 'widget' && typeof (item as Partial<StoredWidgetItem>).class_assist?.ui === 'object';
}

/** A widget item to store: the rendering is a placeholder until it is presented. */
export function widgetItem(
  base: { id: string; thread_id: string; created_at: string },
  ui: WidgetUi,
): StoredWidgetItem {
  return {
    ...base,
    type: 'widget',
    widget: { type: 'Card', children: [] },
    copy_text: 'Class Assist',
    class_assist: { ui },
  };
}

/** The item as the client sees it: rendered for this member now, without the stored UI state. */
export async function presentWidget(
  registry: FunctionRegistry,
  render: RenderWidget,
  member: WidgetMember,
  item: StoredWidgetItem,
): Promise<WidgetItem> {
  const state = await registry.invoke('get_widget_state', memberActor(member), {
    course_id: member.courseId,
    course_name: member.courseName,
    ui: item.class_assist.ui,
  });
  const { class_assist: _ui, ...rest } = item;
  return { ...rest, widget: render(state), copy_text: `Class Assist — ${state.courseName}` };
}

/**
 * The item to save after actions changed its UI state from `before` to `after`. An action can take seconds (an
 * explanation from a model) while the student goes on clicking, so only the fields it changed are applied, to the
 * item as it is stored now: a concurrent action's change (the question form opened meanwhile) is not undone.
 */
export async function withUiChanges<C>(
  store: Store<C>,
  item: StoredWidgetItem,
  before: WidgetUi,
  after: WidgetUi,
  context: C,
): Promise<StoredWidgetItem> {
  // Gone meanwhile (a retried message removed it): saved again as it was, as before this check.
  const stored = await store.loadItem(item.thread_id, item.id, context).catch((err: unknown) => {
    if (err instanceof NotFoundError) return item;
    throw err;
  });
  const latest = isClassAssistItem(stored) ? stored : item;
  const ui: Record<string, unknown> = { ...latest.class_assist.ui };
  for (const [key, value] of Object.entries(after)) {
    // Every action clears the notice it started with, but not one another action set meanwhile.
    if (key === 'notice' && value === null && !isDeepStrictEqual(latest.class_assist.ui.notice, before.notice))
      continue;
    if (!isDeepStrictEqual(value, before[key as keyof WidgetUi])) ui[key] = value;
  }
  return { ...latest, class_assist: { ui: ui as unknown as WidgetUi } };
}
