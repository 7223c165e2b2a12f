/** Internal: a lecture file (Markdown or PDF) replaces the course's material (`POST /api/admin/courses/{id}/material`). */
import { importLectureFile, type MaterialFormat } from '../domain/material.service.js';
import { defineFunction } from './function.js';
import { ID, objectSchema } from './validation.js';

export const importMaterialFunction = defineFunction({
  name: 'import_material',
  // The file itself is read and checked by the domain, once access is known.
  schema: objectSchema({ course_id: ID, format: { type: 'string', enum: ['markdown', 'pdf'] }, file: {} }, ['file']),
  run: (deps, actor, args: { course_id: string; format: MaterialFormat; file?: string | Uint8Array }) =>
    importLectureFile(deps, actor, args.course_id, args.format, args.file),
});
