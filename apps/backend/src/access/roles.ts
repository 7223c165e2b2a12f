/**
 * LTI roles → Class Assist roles (DESIGN.md): Instructor, TeachingAssistant, ContentDeveloper and Administrator of
 * the course are instructors; Learner and everything else are students. Only context (membership) roles count —
 * full URIs (`…/lis/v2/membership#Instructor`, sub-roles `…/membership/Instructor#TeachingAssistant`), LTI 1.1 URNs
 * and short forms — because platforms also send institution roles: a student of this course who teaches elsewhere
 * arrives with `institution/person#Instructor` and must stay a student here. Of institution and system roles only
 * Administrator makes an instructor (an LMS administrator opening a course).
 */
import type { Role } from './actor.js';

const INSTRUCTOR_PRINCIPALS = new Set(['instructor', 'teachingassistant', 'contentdeveloper', 'administrator']);
// `membership#X`, `membership/X#Sub`, and the malformed but seen `membership#X#Sub`.
const MEMBERSHIP = /^http:\/\/purl\.imsglobal\.org\/vocab\/lis\/v2\/membership(?:[#/]([^/#]+))(?:#([^/#]+))?$/i;
const INSTITUTION_OR_SYSTEM = /^http:\/\/purl\.imsglobal\.org\/vocab\/lis\/v2\/(institution|system)\/person#([^/#]+)$/i;
const LTI11_CONTEXT = /^urn:lti:role:ims\/lis\/([^/#]+)(?:\/([^/#]+))?$/i;
const LTI11_INSTITUTION_OR_SYSTEM = /^urn:lti:(instrole|sysrole):ims\/lis\/([^/#]+)$/i;

/** True when one role string makes its holder an instructor of the course. */
function isInstructorRole(raw: string): boolean {
  const role = raw.trim();
  const membership = MEMBERSHIP.exec(role);
  if (membership) {
    // `membership#X`, or `membership/Principal#SubRole`: a sub-role belongs to its principal (Learner#Instructor is a
    // learner; Instructor#Grader is an instructor), except TeachingAssistant, an instructor role of its own.
    const principal = (membership[1] ?? '').toLowerCase();
    const sub = (membership[2] ?? '').toLowerCase();
    return (
      INSTRUCTOR_PRINCIPALS.has(principal) || (principal === 'instructor' && sub !== '') || sub === 'teachingassistant'
    );
  }
  const institution = INSTITUTION_OR_SYSTEM.exec(role) ?? LTI11_INSTITUTION_OR_SYSTEM.exec(role);
  if (institution) return (institution[2] ?? '').toLowerCase() === 'administrator';
  const lti11 = LTI11_CONTEXT.exec(role);
  if (lti11)
    return (
      INSTRUCTOR_PRINCIPALS.has((lti11[1] ?? '').toLowerCase()) ||
      (lti11[2] ?? '').toLowerCase() === 'teachingassistant'
    );
  if (/[:/]/.test(role)) return false; // another vocabulary: not a course role we know
  // Short forms: `Instructor`, `TeachingAssistant`, `Instructor#TeachingAssistant`, `Learner`, …
  const [principal = '', sub = ''] = role.toLowerCase().split('#');
  return INSTRUCTOR_PRINCIPALS.has(principal) || sub === 'teachingassistant';
}

export function mapRoles(roles: string | readonly string[]): Role {
  const list = typeof roles === 'string' ? roles.split(',') : roles;
  return list.some(isInstructorRole) ? 'instructor' : 'student';
}
