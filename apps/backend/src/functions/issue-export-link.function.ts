/** Internal: a signed link to download the course's confusion data, for an instructor (the widget's Export). */
import { issueExportLink } from '../domain/export-link.service.js';
import { defineFunction } from './function.js';
import { ID, objectSchema } from './validation.js';

export const issueExportLinkFunction = defineFunction({
  name: 'issue_export_link',
  schema: objectSchema({ course_id: ID, format: { type: 'string', enum: ['csv', 'json'] } }),
  run: (deps, actor, args: { course_id: string; format: 'csv' | 'json' }) => issueExportLink(deps, actor, args),
});
