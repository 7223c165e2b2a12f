/** Internal: the Class Assist widget's state for a member, rendered from the database with the item's UI state. */

import { AppError } from '../errors.js';
import { buildWidgetState, type WidgetUi } from '../widget/widget-state.js';
import { defineFunction } from './function.js';
import { ID, objectSchema } from './validation.js';

export const getWidgetStateFunction = defineFunction({
  name: 'get_widget_state',
  // The UI state is the widget item's own, stored by the server: checked by its type, not by a schema.
  schema: objectSchema({ course_id: ID, course_name: { type: 'string', maxLength: 500 }, ui: { type: 'object' } }),
  run: (deps, actor, args: { course_id: string; course_name: string; ui: WidgetUi }) => {
    if (actor.kind !== 'member' || actor.courseId !== args.course_id) {
      throw new AppError('not_found', `Course ${args.course_id} was not found`);
    }
    return buildWidgetState(deps, { ...actor, courseName: args.course_name }, args.ui);
  },
});
