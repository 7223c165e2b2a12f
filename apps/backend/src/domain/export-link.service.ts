/** The widget's Export button: a signed download link for an instructor, valid for minutes (`GET /api/exports/…`). */

import { type Actor, assertInstructor } from '../access/actor.js';
import { TOKEN_LIFETIME_SECONDS } from '../auth/tokens.js';
import { inCourse } from '../db/course-scope.js';
import { AppError } from '../errors.js';
import { findCourse } from './course.repository.js';
import type { DomainDeps } from './deps.js';

export interface ExportLink {
  /** Path of the download on this server. */
  url: string;
  format: 'csv' | 'json';
  expires_at: string;
  /** Minutes the link works for. */
  minutes: number;
  course_name: string;
}

export async function issueExportLink(
  deps: DomainDeps,
  actor: Actor,
  input: { course_id: string; format: 'csv' | 'json' },
): Promise<ExportLink> {
  assertInstructor(actor, input.course_id);
  if (actor.kind !== 'member') {
    throw new AppError('validation_failed', 'Export links are for members of a course; the service streams exports');
  }
  if (!deps.tokens) throw new AppError('not_implemented', 'This server signs no links');
  const course = await inCourse(deps.db, input.course_id, (tx) => findCourse(tx, input.course_id));
  const courseName = course?.name ?? input.course_id;
  const { token, expiresAt } = await deps.tokens.issue(
    'export',
    { userId: actor.userId, courseId: input.course_id, courseName, role: actor.role },
    { format: input.format },
  );
  return {
    url: `/api/exports/${token}`,
    format: input.format,
    expires_at: expiresAt.toISOString(),
    minutes: TOKEN_LIFETIME_SECONDS.export / 60,
    course_name: courseName,
  };
}
