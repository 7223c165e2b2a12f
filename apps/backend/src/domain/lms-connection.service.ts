/**
 * A course's LMS connection (Canvas, Moodle, or LTI AGS only) and its roster. Set by a trusted caller
 * (AGENTKIT_SECRET); the token is sealed at rest (auth/secret-box.ts) and never returned or logged. A course without
 * its own connection uses the defaults of the configuration (CANVAS_BASE_URL/CANVAS_TOKEN, MOODLE_URL/MOODLE_TOKEN)
 * with the LMS course id from its LTI launch.
 */

import { type Actor, assertInstructor } from '../access/actor.js';
import { open, seal } from '../auth/secret-box.js';
import { inCourse } from '../db/course-scope.js';
import { AppError, type ErrorDetail, validationError } from '../errors.js';
import { ensureCourse } from './course.repository.js';
import type { DomainDeps } from './deps.js';

export const LMS_KINDS = ['canvas', 'moodle', 'lti-ags'] as const;
export type LmsKind = (typeof LMS_KINDS)[number];

/** A connection as callers see it: never the token. */
export interface LmsConnectionView {
  course_id: string;
  kind: LmsKind;
  base_url: string;
  lms_course_id: string | null;
  has_token: boolean;
  /** `course`: set for this course; `default`: from the server's configuration. */
  source: 'course' | 'default';
}

/** What delivery needs: the connection with its token. */
export interface LmsConnection {
  kind: LmsKind;
  baseUrl: string;
  token: string;
  lmsCourseId: string | null;
}

const need = (deps: DomainDeps) => {
  if (!deps.lms) throw new Error('DomainDeps.lms is required for LMS interventions');
  return deps.lms;
};

/** Validates and stores the connection (replacing any). */
export async function setLmsConnection(
  deps: DomainDeps,
  actor: Actor,
  courseId: string,
  body: unknown,
): Promise<LmsConnectionView> {
  // The operator's alone: no member of any course, its instructors included.
  if (actor.kind !== 'service') throw new AppError('forbidden', 'Only the AgentKit secret can set LMS connections');
  const input = readConnection(body);
  const { tokenKey } = need(deps);
  await inCourse(deps.db, courseId, async (tx) => {
    await ensureCourse(tx, courseId);
    const row = {
      course_id: courseId,
      kind: input.kind,
      base_url: input.base_url,
      token_encrypted: input.token ? seal(tokenKey, `lms:${courseId}`, input.token) : null,
      lms_course_id: input.lms_course_id,
      updated_at: deps.clock(),
    };
    await tx
      .insertInto('lms_connections')
      .values(row)
      .onConflict((oc) => oc.column('course_id').doUpdateSet(row))
      .execute();
  });
  return (await getLmsConnection(deps, actor, courseId)) as LmsConnectionView;
}

/** The course's connection (its own, else the configured default), without the token; undefined without one. */
export async function getLmsConnection(
  deps: DomainDeps,
  actor: Actor,
  courseId: string,
): Promise<LmsConnectionView | undefined> {
  assertInstructor(actor, courseId);
  const resolved = await resolveLmsConnection(deps, courseId);
  if (!resolved) return undefined;
  return {
    course_id: courseId,
    kind: resolved.connection.kind,
    base_url: resolved.connection.baseUrl,
    lms_course_id: resolved.connection.lmsCourseId,
    has_token: resolved.connection.token !== '',
    source: resolved.source,
  };
}

export async function deleteLmsConnection(deps: DomainDeps, actor: Actor, courseId: string): Promise<boolean> {
  // The operator's alone: no member of any course, its instructors included.
  if (actor.kind !== 'service') throw new AppError('forbidden', 'Only the AgentKit secret can remove LMS connections');
  const result = await inCourse(deps.db, courseId, (tx) =>
    tx.deleteFrom('lms_connections').where('course_id', '=', courseId).executeTakeFirst(),
  );
  return Number(result.numDeletedRows) > 0;
}

/** The connection delivery uses, with its token; no access check (callers have done it). */
export async function resolveLmsConnection(
  deps: DomainDeps,
  courseId: string,
): Promise<{ connection: LmsConnection; source: 'course' | 'default' } | undefined> {
  const { tokenKey, settings } = need(deps);
  const { own, course } = await inCourse(deps.db, courseId, async (tx) => ({
    own: await tx.selectFrom('lms_connections').selectAll().where('course_id', '=', courseId).executeTakeFirst(),
    course: await tx.selectFrom('courses').select('lms_course_id').where('id', '=', courseId).executeTakeFirst(),
  }));
  const launchCourseId = course?.lms_course_id ?? null;
  if (own) {
    const token = own.token_encrypted ? open(tokenKey, `lms:${courseId}`, own.token_encrypted, 'The LMS token') : '';
    return {
      connection: { kind: own.kind, baseUrl: own.base_url, token, lmsCourseId: own.lms_course_id ?? launchCourseId },
      source: 'course',
    };
  }
  for (const kind of ['canvas', 'moodle'] as const) {
    const { baseUrl, token } = settings[kind];
    if (baseUrl && token) {
      return { connection: { kind, baseUrl, token, lmsCourseId: launchCourseId }, source: 'default' };
    }
  }
  return undefined;
}

interface ConnectionInput {
  kind: LmsKind;
  base_url: string;
  token: string;
  lms_course_id: string | null;
}

function readConnection(body: unknown): ConnectionInput {
  const details: ErrorDetail[] = [];
  const input = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  if (!body || typeof body !== 'object' || Array.isArray(body))
    details.push({ path: '', message: 'must be an object' });
  for (const key of Object.keys(input)) {
    if (!['kind', 'base_url', 'token', 'lms_course_id'].includes(key))
      details.push({ path: key, message: 'is not a known field' });
  }
  const kind = input.kind;
  if (!LMS_KINDS.includes(kind as LmsKind))
    details.push({ path: 'kind', message: 'must be canvas, moodle or lti-ags' });
  const text = (key: string, max: number) => {
    const value = input[key];
    if (value === undefined || value === null) return '';
    if (typeof value !== 'string' || value.length > max) {
      details.push({ path: key, message: `must be a string of at most ${max} characters` });
      return '';
    }
    return value.trim();
  };
  const baseUrl = text('base_url', 2_000).replace(/\/+$/, '');
  const token = text('token', 4_000);
  const lmsCourseId = text('lms_course_id', 255);
  if (kind === 'canvas' || kind === 'moodle') {
    if (!/^https?:\/\/[^\s/]+/.test(baseUrl)) details.push({ path: 'base_url', message: 'must be an http(s) URL' });
    if (!token) details.push({ path: 'token', message: `is required for ${kind}` });
  }
  if (details.length > 0) throw validationError(details, 'the LMS connection');
  return { kind: kind as LmsKind, base_url: baseUrl, token, lms_course_id: lmsCourseId || null };
}
