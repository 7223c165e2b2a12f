/**
 * Streams every confusion event of a course as CSV or JSON through a server-side cursor, so memory stays flat in the
 * number of rows. The transaction and its connection live as long as the stream.
 */
import { EXPORT_COLUMNS } from '@class-assist/contracts';
import { stringify } from 'csv-stringify/sync';
import Cursor from 'pg-cursor';
import { fromDatabaseError } from '../errors.js';
import { type Actor, assertInstructor } from './actor.js';
import type { DomainDeps } from './deps.js';

export interface ExportInput {
  course_id: string;
  format?: 'csv' | 'json';
}

export interface ExportStream {
  contentType: string;
  filename: string;
  /** Chunks of the document. Reading them to the end releases the database connection. */
  chunks: AsyncIterable<string>;
  /** Releases the connection when the reader stops early (a client that went away); safe to call twice. */
  close(): Promise<void>;
}

const BATCH_ROWS = 2_000;

interface EventRow {
  event_id: string;
  course_id: string;
  slide_id: string | null;
  user_id: string;
  timestamp: Date;
}

/**
 * Opens the export. The connection and cursor are opened before this resolves, so an unreachable database is an
 * error here, not a broken download.
 */
export async function exportConfusionData(deps: DomainDeps, actor: Actor, input: ExportInput): Promise<ExportStream> {
  assertInstructor(actor, input.course_id);
  const format = input.format ?? 'csv';
  const client = await deps.pool.connect().catch((err: unknown) => {
    throw fromDatabaseError(err);
  });
  try {
    await client.query('BEGIN READ ONLY');
    await client.query("SELECT set_config('app.course_id', $1, true)", [input.course_id]);
  } catch (err) {
    client.release(true);
    throw fromDatabaseError(err);
  }
  const cursor = client.query(
    new Cursor<EventRow>(
      `SELECT id AS event_id, course_id, slide_id, user_id, occurred_at AS timestamp
       FROM confusion_events WHERE course_id = $1 ORDER BY id`,
      [input.course_id],
    ),
  );
  let closed = false;
  const close = async (failed = false) => {
    if (closed) return;
    closed = true;
    await cursor.close().catch(() => undefined);
    await client.query(failed ? 'ROLLBACK' : 'COMMIT').catch(() => undefined);
    client.release(failed);
  };
  async function* rows(): AsyncGenerator<EventRow[]> {
    try {
      for (;;) {
        const batch = closed ? [] : await cursor.read(BATCH_ROWS);
        if (batch.length === 0) break;
        yield batch;
      }
      await close();
    } catch (err) {
      await close(true);
      throw fromDatabaseError(err);
    }
  }
  const stamp = deps.clock().toISOString().slice(0, 10);
  const filename = `confusion-${safeFilePart(input.course_id)}-${stamp}.${format}`;
  return format === 'csv'
    ? { contentType: 'text/csv; charset=utf-8', filename, chunks: csvChunks(rows()), close }
    : { contentType: 'application/json; charset=utf-8', filename, chunks: jsonChunks(rows()), close };
}

/** A cell that a spreadsheet would read as a formula gets a leading apostrophe (OWASP CSV injection advice). */
export function inertCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

async function* csvChunks(batches: AsyncIterable<EventRow[]>): AsyncGenerator<string> {
  yield stringify([[...EXPORT_COLUMNS]]);
  for await (const batch of batches) {
    yield stringify(
      batch.map((row) => [
        row.event_id,
        inertCell(row.course_id),
        inertCell(row.slide_id ?? ''),
        inertCell(row.user_id),
        row.timestamp.toISOString(),
      ]),
    );
  }
}

async function* jsonChunks(batches: AsyncIterable<EventRow[]>): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const batch of batches) {
    const body = batch
      .map((row) =>
        JSON.stringify({
          event_id: row.event_id,
          course_id: row.course_id,
          slide_id: row.slide_id,
          user_id: row.user_id,
          timestamp: row.timestamp.toISOString(),
        }),
      )
      .join(',');
    yield first ? body : `,${body}`;
    first = false;
  }
  yield ']\n';
}

function safeFilePart(value: string): string {
  return value.replace(/[^\w.-]+/g, '_').slice(0, 60) || 'course';
}
