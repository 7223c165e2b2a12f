/**
 * Who is calling. The AgentKit secret (HTTP and MCP) is a trusted service acting for any course; a member is a
 * student or instructor of exactly one course (ChatKit and LTI sessions). Every domain operation starts with one of
 * the checks below; "no such course" and "not your course" give the same answer.
 */
import { AppError } from '../errors.js';

export type Role = 'student' | 'instructor';

export type Actor = { kind: 'service' } | { kind: 'member'; userId: string; courseId: string; role: Role };

export type MemberActor = Extract<Actor, { kind: 'member' }>;

export const SERVICE_ACTOR: Actor = Object.freeze({ kind: 'service' });

/** The actor of a session's member (a widget, chat or export link speaks for one person of one course). */
export function memberActor(member: { userId: string; courseId: string; role: Role }): MemberActor {
  return { kind: 'member', userId: member.userId, courseId: member.courseId, role: member.role };
}

export function assertCourseAccess(actor: Actor, courseId: string): void {
  if (actor.kind === 'member' && actor.courseId !== courseId) {
    throw new AppError('not_found', `Course ${courseId} was not found`);
  }
}

export function assertInstructor(actor: Actor, courseId: string): void {
  assertCourseAccess(actor, courseId);
  if (actor.kind === 'member' && actor.role !== 'instructor') {
    throw new AppError('forbidden', 'Only instructors of this course can do this');
  }
}

/** A student acts only as themself; instructors and the service may name any user of the course. */
export function assertActingAs(actor: Actor, courseId: string, userId: string): void {
  assertCourseAccess(actor, courseId);
  if (actor.kind === 'member' && actor.role === 'student' && actor.userId !== userId) {
    throw new AppError('forbidden', 'Students can only act as themselves');
  }
}
