/**
 * NRPS roster sync: after an accepted launch by an instructor whose id_token carries the namesroleservice claim, the
 * course's roster is read from the platform in the background and copied into users and enrollments.
 *
 * - At most one sync per course per ROSTER_SYNC_INTERVAL_MS: the slot is claimed with one atomic
 *   `UPDATE lti_course_services … WHERE roster_sync_started_at is old … RETURNING`, so two instances (or two
 *   launches at once) never both sync. A failed sync keeps its slot too: a broken platform is asked again only after
 *   the interval.
 * - Never delays or fails the launch: the route does not await it and every error is logged (and kept in
 *   lti_course_services.roster_sync_error), never thrown.
 * - Active members: the user is upserted (id ltiId(issuer, user_id); name and email only when sent, never erasing
 *   known values) and enrolled with mapRoles(roles). Inactive and Deleted members lose their enrolment (the user row
 *   and their course data stay; a later launch enrols them again). Members missing from the roster are left alone.
 * - All of one roster is written in one transaction: a sync that fails changes nothing.
 */
import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import type { Role } from '../access/actor.js';
import { mapRoles } from '../access/roles.js';
import { inCourse } from '../db/course-scope.js';
import type { DomainDeps } from '../domain/deps.js';
import type { LaunchClaims } from './id-token.js';
import { ltiId } from './launch.service.js';
import type { RegistrationsRepository } from './registrations.repository.js';
import { fetchMemberships, type Member } from './services/nrps.js';
import { createPlatformTokenClient } from './services/token-client.js';
import type { ToolKeys } from './tool-keys.js';

/** The least time between two roster syncs of one course. */
export const ROSTER_SYNC_INTERVAL_MS = 10 * 60 * 1000;

export interface RosterSyncDeps {
  deps: DomainDeps;
  registrations: Pick<RegistrationsRepository, 'find'>;
  toolKeys: Pick<ToolKeys, 'getToolSigner'>;
  log: FastifyBaseLogger;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

export interface RosterSyncCounts {
  /** Active members enrolled or updated. */
  upserted: number;
  /** Inactive or Deleted members whose enrolment was removed. */
  removed: number;
  /** Inactive or Deleted members who were not enrolled anyway. */
  inactive: number;
  /** Members the platform sent that could not be read. */
  skipped: number;
}

export type RosterSyncOutcome =
  | { status: 'not_needed' }
  | { status: 'recent' }
  | ({ status: 'synced' } & RosterSyncCounts)
  | { status: 'failed'; error: string };

/** Syncs under way (for tests and shutdown: `rosterSyncsSettled()`). */
const running = new Set<Promise<RosterSyncOutcome>>();

/** Resolves once every roster sync started so far (and any they lead to) has finished. */
export async function rosterSyncsSettled(): Promise<void> {
  while (running.size > 0) await Promise.allSettled([...running]);
}

/**
 * Called after an accepted launch: starts the roster sync of the course when the launch is an instructor's with the
 * NRPS claim and the course was not synced within the interval. Returns the sync's promise, which never rejects;
 * the caller need not (and the launch route does not) await it.
 */
export function syncRosterAfterLaunch(
  options: RosterSyncDeps,
  claims: LaunchClaims,
  identity: { courseId: string; role: Role },
): Promise<RosterSyncOutcome> {
  const url = claims.nrps?.contextMembershipsUrl;
  if (identity.role !== 'instructor' || !url) return Promise.resolve({ status: 'not_needed' });
  const work = runSync(options, claims, identity.courseId, url).catch((err: unknown) => {
    // runSync logs its own failures; this only guards against a failure of the logging itself.
    options.log.error({ err, course_id: identity.courseId }, 'lti roster sync crashed');
    return { status: 'failed', error: String(err) } as const;
  });
  running.add(work);
  void work.finally(() => running.delete(work));
  return work;
}

async function runSync(
  { deps, registrations, toolKeys, log, fetch: doFetch }: RosterSyncDeps,
  claims: LaunchClaims,
  courseId: string,
  url: string,
): Promise<RosterSyncOutcome> {
  const started = deps.clock();
  // Claim the slot: only the one instance whose UPDATE matches syncs.
  const claimed = await inCourse(deps.db, courseId, (tx) =>
    sql<{ course_id: string }>`
    UPDATE lti_course_services SET roster_sync_started_at = ${started}
    WHERE course_id = ${courseId}
      AND (roster_sync_started_at IS NULL OR roster_sync_started_at <= ${new Date(started.getTime() - ROSTER_SYNC_INTERVAL_MS)})
    RETURNING course_id`.execute(tx),
  ).catch((err: unknown) => {
    log.warn({ err: (err as Error).message, course_id: courseId }, 'lti roster sync not started');
    return { rows: [] };
  });
  if (claimed.rows.length === 0) return { status: 'recent' };

  try {
    const registration = (await registrations.find(claims.issuer, claims.clientId))[0];
    if (!registration) throw new Error(`the platform "${claims.issuer}" is no longer registered`);
    const tokens = createPlatformTokenClient({
      tokenUrl: registration.auth_token_url,
      clientId: registration.client_id,
      signer: await toolKeys.getToolSigner(),
      clock: deps.clock,
      ...(doFetch ? { fetch: doFetch } : {}),
    });
    const roster = await fetchMemberships({ tokens, url, ...(doFetch ? { fetch: doFetch } : {}) });
    const counts = await writeRoster(deps, claims.issuer, courseId, roster.members);
    counts.skipped = roster.skipped.length;
    await inCourse(deps.db, courseId, (tx) =>
      sql`
      UPDATE lti_course_services SET roster_synced_at = ${deps.clock()}, roster_sync_error = NULL
      WHERE course_id = ${courseId}`.execute(tx),
    );
    log.info({ course_id: courseId, members: roster.members.length, ...counts }, 'lti roster synced');
    return { status: 'synced', ...counts };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    log.warn({ course_id: courseId, err: error }, 'lti roster sync failed');
    await inCourse(deps.db, courseId, (tx) =>
      sql`UPDATE lti_course_services SET roster_sync_error = ${error} WHERE course_id = ${courseId}`.execute(tx),
    ).catch(() => undefined);
    return { status: 'failed', error };
  }
}

/** A member's display name: `name`, else given and family names joined; undefined when none is sent. */
function displayName(member: Member): string | undefined {
  const name = member.name?.trim();
  if (name) return name;
  const joined = [member.given_name, member.family_name]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(' ');
  return joined || undefined;
}

async function writeRoster(
  deps: DomainDeps,
  issuer: string,
  courseId: string,
  members: Member[],
): Promise<RosterSyncCounts> {
  const counts: RosterSyncCounts = { upserted: 0, removed: 0, inactive: 0, skipped: 0 };
  await inCourse(deps.db, courseId, async (tx) => {
    for (const member of members) {
      const userId = ltiId(issuer, member.user_id);
      if (member.status !== 'Active') {
        const removed = await tx
          .deleteFrom('enrollments')
          .where('course_id', '=', courseId)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        if (Number(removed.numDeletedRows) > 0) counts.removed += 1;
        else counts.inactive += 1;
        continue;
      }
      const email = member.email?.trim() || null;
      await sql`
        INSERT INTO users (id, name, email, lti_issuer, lti_sub)
        VALUES (${userId}, ${displayName(member) ?? null}, ${email}, ${issuer}, ${member.user_id})
        ON CONFLICT (id) DO UPDATE SET name = COALESCE(EXCLUDED.name, users.name),
          email = COALESCE(EXCLUDED.email, users.email), lti_issuer = EXCLUDED.lti_issuer, lti_sub = EXCLUDED.lti_sub`.execute(
        tx,
      );
      await sql`
        INSERT INTO enrollments (course_id, user_id, role) VALUES (${courseId}, ${userId}, ${mapRoles(member.roles)})
        ON CONFLICT (course_id, user_id) DO UPDATE SET role = EXCLUDED.role`.execute(tx);
      counts.upserted += 1;
    }
  });
  return counts;
}
