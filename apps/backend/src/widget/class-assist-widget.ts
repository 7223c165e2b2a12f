/**
 * The Class Assist widget as the server uses it: `apps/frontend/src/widgets/class-assist.widget`, loaded and compiled
 * once, rendering a `ClassAssistWidgetState` into the ChatKit widget JSON of a widget item. Every render checks the
 * state against the file's `jsonSchema` and the result against the ChatKit component schema, so a bad state or a
 * broken template fails here, with the path of the problem, instead of in the user's browser.
 */
import { fileURLToPath } from 'node:url';
import type { ClassAssistWidgetState } from '@class-assist/contracts';
import { loadWidgetTemplate, type WidgetRoot, type WidgetTemplate } from './widget-template.js';
import { assertValidState, assertValidWidgetTree } from './widget-validation.js';

/** Where the widget file lives in the repository. */
export const CLASS_ASSIST_WIDGET_PATH = fileURLToPath(
  new URL('../../../frontend/src/widgets/class-assist.widget', import.meta.url),
);

/** The widget's operations; they do not use `this`, so `widget.render` may be passed around on its own. */
export interface ClassAssistWidget {
  /** The loaded `.widget` file (its `jsonSchema`, `outputJsonPreview`, …). */
  readonly template: WidgetTemplate;
  /**
   * Renders the widget for `state`. Throws WidgetValidationError when the state or the rendered tree is invalid,
   * WidgetTemplateError when the template fails.
   */
  render(state: ClassAssistWidgetState): WidgetRoot;
  /** Returns `state` typed when it satisfies the widget's `jsonSchema`; throws WidgetValidationError otherwise. */
  validateState(state: unknown): ClassAssistWidgetState;
}

const loaded = new Map<string, ClassAssistWidget>();

/** The Class Assist widget, loaded from `path` (the repository's file by default) on the first call only. */
export function createClassAssistWidget(path: string = CLASS_ASSIST_WIDGET_PATH): ClassAssistWidget {
  const cached = loaded.get(path);
  if (cached) return cached;
  const template = loadWidgetTemplate(path);
  const subject = `${template.file.name} (${path})`;
  const validateState = (state: unknown): ClassAssistWidgetState => {
    assertValidState(template.file.jsonSchema, state, subject);
    return state as ClassAssistWidgetState;
  };
  const widget: ClassAssistWidget = {
    template,
    validateState,
    render(state) {
      const root = template.render(validateState(state));
      assertValidWidgetTree(root, subject);
      return root;
    },
  };
  loaded.set(path, widget);
  return widget;
}
