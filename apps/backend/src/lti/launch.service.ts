/**
 * What an accepted launch records, in one transaction: the nonce (single use), the course (named after
 * context.title), the user (name and email only when sent), the enrolment with the mapped role, the LMS ids and the
 * course's LTI Advantage endpoints. A replayed nonce aborts the whole transaction, so a refused launch stores nothing.
 *
 * Ids: a course launched from platform P with context.id C gets the Class Assist id `lti-<h>-<C>` and a user with
 * sub S gets `lti-<h>-<S>`, where h = the first 8 hex digits of sha256(P's issuer). Ids longer than 255 characters
 * use sha256 of C (or S) instead.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { mapRoles } from '../access/roles.js';
import type { Identity } from '../auth/tokens.js';
import { inCourse } from '../db/course-scope.js';
import type { DomainDeps } from '../domain/deps.js';
import { LtiError } from './error-page.js';
import type { LaunchClaims } from './id-token.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The Class Assist id of an LTI context or user of the platform `issuer`. */
export function ltiId(issuer: string, id: string): string {
  const prefix = `lti-${sha256(issuer).slice(0, 8)}-`;
  const full = `${prefix}${id}`;
  return full.length <= 255 && ![...id].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
    ? full
    : `${prefix}${sha256(id)}`;
}

/** A substituted custom value (Canvas leaves `$Canvas.course.id` as is when it cannot substitute it). */
function customId(custom: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = custom[name];
    const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
    if (text && !text.startsWith('$')) return text;
  }
  return undefined;
}

export async function recordLaunch(deps: DomainDeps, claims: LaunchClaims): Promise<Identity> {
  const courseId = ltiId(claims.issuer, claims.context.id);
  const userId = ltiId(claims.issuer, claims.sub);
  const role = mapRoles(claims.roles);
  const courseName = claims.context.title ?? claims.context.label ?? claims.context.id;
  const lmsCourseId = customId(claims.custom, 'canvas_course_id', 'course_id');
  const lmsUserId = customId(claims.custom, 'canvas_user_id', 'user_id');
  const now = deps.clock();

  await inCourse(deps.db, courseId, async (tx) => {
    const fresh = await tx
      .insertInto('lti_nonces')
      .values({ nonce: claims.nonce, expires_at: claims.expiresAt })
      .onConflict((oc) => oc.column('nonce').doNothing())
      .returning('nonce')
      .executeTakeFirst();
    if (!fresh)
      throw new LtiError('nonce_replayed', 'This launch was already used (nonce replayed): open Class Assist again');
    await tx
      .deleteFrom('lti_nonces')
      .where('expires_at', '<', new Date(now.getTime() - 60_000))
      .execute();

    await sql`
      INSERT INTO courses (id, name, lti_issuer, lti_context_id, lms_course_id)
      VALUES (${courseId}, ${courseName}, ${claims.issuer}, ${claims.context.id}, ${lmsCourseId ?? null})
      ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, lti_issuer = EXCLUDED.lti_issuer,
        lti_context_id = EXCLUDED.lti_context_id, lms_course_id = COALESCE(EXCLUDED.lms_course_id, courses.lms_course_id)`.execute(
      tx,
    );
    await sql`
      INSERT INTO users (id, name, email, lti_issuer, lti_sub, lms_user_id)
      VALUES (${userId}, ${claims.name ?? null}, ${claims.email ?? null}, ${claims.issuer}, ${claims.sub}, ${lmsUserId ?? null})
      ON CONFLICT (id) DO UPDATE SET name = COALESCE(EXCLUDED.name, users.name), email = COALESCE(EXCLUDED.email, users.email),
        lti_issuer = EXCLUDED.lti_issuer, lti_sub = EXCLUDED.lti_sub, lms_user_id = COALESCE(EXCLUDED.lms_user_id, users.lms_user_id)`.execute(
      tx,
    );
    await sql`
      INSERT INTO enrollments (course_id, user_id, role, last_seen_at) VALUES (${courseId}, ${userId}, ${role}, ${now})
      ON CONFLICT (course_id, user_id)
      DO UPDATE SET role = EXCLUDED.role, last_seen_at = GREATEST(enrollments.last_seen_at, EXCLUDED.last_seen_at)`.execute(
      tx,
    );
    const services = {
      issuer: claims.issuer,
      client_id: claims.clientId,
      deployment_id: claims.deploymentId,
      context_memberships_url: claims.nrps?.contextMembershipsUrl ?? null,
      lineitems_url: claims.ags?.lineitems ?? null,
      lineitem_url: claims.ags?.lineitem ?? null,
      ags_scopes: claims.ags?.scope ?? [],
      updated_at: now,
    };
    await tx
      .insertInto('lti_course_services')
      .values({ course_id: courseId, ...services })
      .onConflict((oc) =>
        oc.column('course_id').doUpdateSet({
          ...services,
          // A launch without a service claim (e.g. a student's) keeps the endpoints seen before.
          context_memberships_url: sql`COALESCE(EXCLUDED.context_memberships_url, lti_course_services.context_memberships_url)`,
          lineitems_url: sql`COALESCE(EXCLUDED.lineitems_url, lti_course_services.lineitems_url)`,
          lineitem_url: sql`COALESCE(EXCLUDED.lineitem_url, lti_course_services.lineitem_url)`,
          ags_scopes: sql`CASE WHEN cardinality(EXCLUDED.ags_scopes) > 0 THEN EXCLUDED.ags_scopes ELSE lti_course_services.ags_scopes END`,
        }),
      )
      .execute();
  });
  return { userId, courseId, courseName, role };
}
