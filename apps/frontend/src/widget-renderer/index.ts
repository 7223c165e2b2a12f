export { Markdown } from './markdown';
export type { ActionHandler } from './runtime';
export { WidgetView, type WidgetViewProps } from './WidgetView';
