/**
 * LTI roles → Class Assist roles (DESIGN.md): Instructor, TeachingAssistant, ContentDeveloper and Administrator are
 * instructors; Learner and everything else are students. Accepts full URIs, sub-roles and short forms.
 */
import type { Role } from './actor.js';

const INSTRUCTOR_ROLES = new Set(['instructor', 'teachingassistant', 'contentdeveloper', 'administrator']);

/** The role name at the end of an LTI role URI or short form (`…/membership#Instructor`, `Instructor#TeachingAssistant`). */
function roleName(role: string): string {
  const last = role.split(/[#/]/).filter(Boolean).pop() ?? '';
  return last.toLowerCase();
}

export function mapRoles(roles: string | readonly string[]): Role {
  const list = typeof roles === 'string' ? roles.split(',') : roles;
  return list.some((role) => INSTRUCTOR_ROLES.has(roleName(role.trim()))) ? 'instructor' : 'student';
}
