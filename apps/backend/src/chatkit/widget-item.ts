/**
 * Class Assist widget items in a ChatKit thread. The stored item keeps its UI state (view, open form, time range,
 * notice, pending confirmation) under `class_assist`; every time it is sent, it is rendered afresh from the database
 * with that state, so a reload or `fetchUpdates()` always shows the live heatmap.
 */
import type { ThreadItem, WidgetItem, WidgetRoot } from '@class-assist/chatkit-server';
import type { ClassAssistWidgetState } from '@class-assist/contracts';
import type { DomainDeps } from '../domain/deps.js';
import { buildWidgetState, type WidgetMember, type WidgetUi } from '../domain/widget-state.service.js';

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
  deps: DomainDeps,
  render: RenderWidget,
  member: WidgetMember,
  item: StoredWidgetItem,
): Promise<WidgetItem> {
  const state = await buildWidgetState(deps, member, item.class_assist.ui);
  const { class_assist: _ui, ...rest } = item;
  return { ...rest, widget: render(state), copy_text: `Class Assist — ${state.courseName}` };
}
