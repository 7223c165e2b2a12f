/** Internal: the course roster — people, LMS user ids, roles (`PUT /api/admin/courses/{id}/roster`). */
import { loadRoster } from '../domain/roster.service.js';
import { defineFunction } from './function.js';
import { ID, objectSchema } from './validation.js';

export const loadRosterFunction = defineFunction({
  name: 'load_roster',
  // The entries are read and checked by the domain, each error naming its row.
  schema: objectSchema({ course_id: ID, roster: {} }),
  run: (deps, actor, args: { course_id: string; roster: unknown }) =>
    loadRoster(deps, actor, args.course_id, args.roster),
});
