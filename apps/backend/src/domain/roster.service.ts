/**
 * Loading a course roster without NRPS (`PUT /api/admin/courses/{courseId}/roster`): people with their LMS user ids
 * and course roles. Existing people are updated (name, email, LMS id); an enrolment's role is set to the given one.
 * Nobody is removed: a roster adds and corrects, it does not unenrol.
 */
import { sql } from 'kysely';
import { type Actor, assertInstructor } from '../access/actor.js';
import { inCourse } from '../db/course-scope.js';
import { type ErrorDetail, validationError } from '../errors.js';
import { ensureCourse } from './course.repository.js';
import type { DomainDeps } from './deps.js';

export interface RosterEntry {
  user_id: string;
  lms_user_id: string;
  name: string;
  email?: string;
  role: 'student' | 'instructor';
}

const MAX_ENTRIES = 10_000;

export async function loadRoster(
  deps: DomainDeps,
  actor: Actor,
  courseId: string,
  body: unknown,
): Promise<{ students: number; instructors: number }> {
  assertInstructor(actor, courseId);
  const entries = readRoster(body);
  await inCourse(deps.db, courseId, async (tx) => {
    await ensureCourse(tx, courseId);
    for (let i = 0; i < entries.length; i += 500) {
      const chunk = entries.slice(i, i + 500);
      const users = sql.join(chunk.map((e) => sql`(${e.user_id}, ${e.name}, ${e.email ?? null}, ${e.lms_user_id})`));
      await sql`
        INSERT INTO users (id, name, email, lms_user_id) VALUES ${users}
        ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = COALESCE(EXCLUDED.email, users.email),
          lms_user_id = EXCLUDED.lms_user_id`.execute(tx);
      const enrolments = sql.join(chunk.map((e) => sql`(${courseId}, ${e.user_id}, ${e.role})`));
      await sql`
        INSERT INTO enrollments (course_id, user_id, role) VALUES ${enrolments}
        ON CONFLICT (course_id, user_id) DO UPDATE SET role = EXCLUDED.role`.execute(tx);
    }
  });
  return {
    students: entries.filter((e) => e.role === 'student').length,
    instructors: entries.filter((e) => e.role === 'instructor').length,
  };
}

function readRoster(body: unknown): RosterEntry[] {
  if (!Array.isArray(body)) throw validationError([{ path: '', message: 'must be an array of people' }], 'the roster');
  if (body.length > MAX_ENTRIES) {
    throw validationError([{ path: '', message: `must hold at most ${MAX_ENTRIES} people` }], 'the roster');
  }
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  const entries = body.map((raw, i): RosterEntry => {
    const entry = (raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
    if (entry !== raw) details.push({ path: `[${i}]`, message: 'must be an object' });
    const text = (key: string, required: boolean, max = 255) => {
      const value = entry[key];
      if (value === undefined && !required) return undefined;
      if (typeof value !== 'string' || !value.trim() || value.length > max) {
        details.push({ path: `[${i}].${key}`, message: `must be a non-empty string of at most ${max} characters` });
        return '';
      }
      return value.trim();
    };
    for (const key of Object.keys(entry)) {
      if (!['user_id', 'lms_user_id', 'name', 'email', 'role'].includes(key)) {
        details.push({ path: `[${i}].${key}`, message: 'is not a known field' });
      }
    }
    const userId = text('user_id', true) as string;
    if (userId && seen.has(userId)) details.push({ path: `[${i}].user_id`, message: 'appears twice' });
    seen.add(userId);
    if (entry.role !== 'student' && entry.role !== 'instructor') {
      details.push({ path: `[${i}].role`, message: 'must be student or instructor' });
    }
    return {
      user_id: userId,
      lms_user_id: text('lms_user_id', true) as string,
      name: text('name', true, 500) as string,
      email: text('email', false, 320),
      role: entry.role as RosterEntry['role'],
    };
  });
  if (details.length > 0) throw validationError(details.slice(0, 50), 'the roster');
  return entries;
}
