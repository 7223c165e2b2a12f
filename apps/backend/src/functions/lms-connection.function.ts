/** Internal: a course's LMS connection, for the operator (`PUT/GET/DELETE /api/admin/courses/{id}/lms`). */
import { deleteLmsConnection, getLmsConnection, setLmsConnection } from '../domain/lms-connection.service.js';
import { AppError } from '../errors.js';
import { defineFunction } from './function.js';
import { ID, objectSchema } from './validation.js';

export const setLmsConnectionFunction = defineFunction({
  name: 'set_lms_connection',
  // The connection is read and checked by the domain (kind, base URL, token).
  schema: objectSchema({ course_id: ID, connection: {} }),
  run: (deps, actor, args: { course_id: string; connection: unknown }) =>
    setLmsConnection(deps, actor, args.course_id, args.connection),
});

export const getLmsConnectionFunction = defineFunction({
  name: 'get_lms_connection',
  schema: objectSchema({ course_id: ID }),
  run: async (deps, actor, args: { course_id: string }) => {
    const connection = await getLmsConnection(deps, actor, args.course_id);
    if (!connection) throw new AppError('not_found', 'This course has no LMS connection');
    return connection;
  },
});

export const deleteLmsConnectionFunction = defineFunction({
  name: 'delete_lms_connection',
  schema: objectSchema({ course_id: ID }),
  run: async (deps, actor, args: { course_id: string }) => {
    if (!(await deleteLmsConnection(deps, actor, args.course_id))) {
      throw new AppError('not_found', 'This course has no LMS connection of its own');
    }
    return { deleted: true };
  },
});
