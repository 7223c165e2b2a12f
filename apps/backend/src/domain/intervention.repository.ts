/** SQL for interventions and their recipients. Every function runs inside the caller's course-scoped transaction. */
import { type Selectable, sql } from 'kysely';
import type { CourseTx } from '../db/course-scope.js';
import type { Db } from '../db/pool.js';
import type { InterventionRecipientsTable, InterventionsTable, RecipientStatus } from '../db/schema.js';
import type { OutboxJob } from '../lms/outbox.js';

export type InterventionRow = Selectable<InterventionsTable>;
export type RecipientRow = Selectable<InterventionRecipientsTable>;

/** Inserts the intervention unless its idempotency key is taken; true when inserted. */
export async function insertIntervention(
  tx: CourseTx,
  row: Omit<InterventionRow, 'lms' | 'error' | 'finished_at' | 'request'> & { request: Record<string, unknown> },
): Promise<boolean> {
  const result = await tx
    .insertInto('interventions')
    .values({ ...row, request: JSON.stringify(row.request) })
    .onConflict((oc) =>
      oc.columns(['course_id', 'idempotency_key']).where('idempotency_key', 'is not', null).doNothing(),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function insertRecipients(tx: CourseTx, rows: RecipientRow[]): Promise<void> {
  if (rows.length > 0) await tx.insertInto('intervention_recipients').values(rows).execute();
}

export async function findIntervention(
  tx: CourseTx,
  courseId: string,
  where: { id: string } | { idempotencyKey: string },
  lock = false,
): Promise<InterventionRow | undefined> {
  let query = tx.selectFrom('interventions').selectAll().where('course_id', '=', courseId);
  query = 'id' in where ? query.where('id', '=', where.id) : query.where('idempotency_key', '=', where.idempotencyKey);
  if (lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** The course's latest intervention. */
export async function latestIntervention(tx: CourseTx, courseId: string): Promise<InterventionRow | undefined> {
  return tx
    .selectFrom('interventions')
    .selectAll()
    .where('course_id', '=', courseId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

export async function listRecipients(tx: CourseTx, interventionId: string): Promise<RecipientRow[]> {
  return tx
    .selectFrom('intervention_recipients')
    .selectAll()
    .where('intervention_id', '=', interventionId)
    .orderBy('user_id')
    .execute();
}

export async function updateIntervention(
  tx: CourseTx,
  id: string,
  changes: Partial<Pick<InterventionRow, 'status' | 'error' | 'finished_at' | 'lms'>> & { updated_at: Date },
): Promise<void> {
  const { lms, ...rest } = changes;
  await tx
    .updateTable('interventions')
    .set({ ...rest, ...(lms ? { lms: JSON.stringify(lms) } : {}) })
    .where('id', '=', id)
    .execute();
}

export async function updateRecipients(
  tx: CourseTx,
  interventionId: string,
  userIds: readonly string[],
  changes: { status: RecipientStatus; reason?: string | null; lms_ref?: string | null; updated_at: Date },
): Promise<void> {
  if (userIds.length === 0) return;
  await tx
    .updateTable('intervention_recipients')
    .set((eb) => ({ ...changes, attempts: eb('attempts', '+', 1) }))
    .where('intervention_id', '=', interventionId)
    .where('user_id', 'in', userIds)
    .execute();
}

/**
 * Outbox work left unfinished in any course — interventions queued or running, quiz scores waiting to be posted —
 * oldest first: the outbox queues it again on start. The one cross-course read here: row-level security hides every
 * course from a transaction that names none, so it calls `unfinished_outbox_jobs()` (migration 0010), which runs as
 * the owner and returns ids only.
 */
export async function unfinishedOutboxJobs(db: Db): Promise<OutboxJob[]> {
  const { rows } = await sql<{ kind: string; id: string }>`SELECT kind, id FROM unfinished_outbox_jobs()`.execute(db);
  return rows.map((r) => ({ kind: r.kind === 'score' ? ('score' as const) : ('intervention' as const), id: r.id }));
}

/** The latest quiz assigned to this student to take in Class Assist (LTI-graded) that they have not finished. */
export async function openAssignedQuiz(
  tx: CourseTx,
  courseId: string,
  userId: string,
): Promise<{ quiz_id: string; topics: string[] } | undefined> {
  const { rows } = await sql<{ quiz_id: string; topics: string[] }>`
    SELECT q.id AS quiz_id, q.topics
    FROM intervention_recipients r
    JOIN interventions i ON i.id = r.intervention_id
    JOIN quizzes q ON q.intervention_id = i.id
    WHERE r.course_id = ${courseId} AND r.user_id = ${userId} AND r.status = 'sent'
      AND i.kind = 'assign' AND i.lms ? 'lineitem_url'
      AND NOT EXISTS (
        SELECT 1 FROM quiz_attempts a WHERE a.quiz_id = q.id AND a.user_id = ${userId} AND a.finished_at IS NOT NULL)
    ORDER BY i.created_at DESC
    LIMIT 1`.execute(tx);
  return rows[0];
}
