/**
 * Streams every confusion event of a course as CSV or JSON. CSV is written by PostgreSQL itself (`COPY … TO STDOUT`),
 * JSON is built from a server-side cursor; either way memory stays flat in the number of rows. The transaction (which
 * scopes row-level security to the course) and its connection live as long as the stream.
 */
import type { Readable } from 'node:stream';
import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import Cursor from 'pg-cursor';
import { type Actor, assertInstructor } from '../access/actor.js';
import { fromDatabaseError } from '../errors.js';
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

/** `occurred_at` exactly as `Date#toISOString` writes it (milliseconds truncated, like pg's Date parsing). */
const ISO_TIMESTAMP = `to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A cell that a spreadsheet would read as a formula (starting with = + - @ tab or CR) gets a leading apostrophe
 * (OWASP CSV injection advice). NULLIF: COPY writes NULL as an empty cell but quotes an empty string.
 */
function inertCell(column: string): string {
  return `NULLIF(CASE WHEN left(${column}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || ${column} ELSE ${column} END, '')`;
}

/** The course is the one `app.course_id` names, so the statement needs no parameter (COPY takes none). */
const CSV_COPY = `COPY (
  SELECT id AS event_id, ${inertCell('course_id')} AS course_id, ${inertCell('slide_id')} AS slide_id,
         ${inertCell('user_id')} AS user_id, ${ISO_TIMESTAMP} AS timestamp
  FROM confusion_events WHERE course_id = current_setting('app.course_id') ORDER BY id
) TO STDOUT WITH (FORMAT csv, HEADER)`;

const JSON_SELECT = `SELECT id AS event_id, course_id, slide_id, user_id, ${ISO_TIMESTAMP} AS timestamp
  FROM confusion_events WHERE course_id = $1 ORDER BY id`;

interface EventRow {
  event_id: string;
  course_id: string;
  slide_id: string | null;
  user_id: string;
  timestamp: string;
}

/**
 * Opens the export. The connection and transaction are opened before this resolves, so an unreachable database is
 * an error here, not a broken download.
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
  const stamp = deps.clock().toISOString().slice(0, 10);
  const filename = `confusion-${safeFilePart(input.course_id)}-${stamp}.${format}`;
  return format === 'csv'
    ? { contentType: 'text/csv; charset=utf-8', filename, ...csvExport(client) }
    : { contentType: 'application/json; charset=utf-8', filename, ...jsonExport(client, input.course_id) };
}

function csvExport(client: PoolClient): Pick<ExportStream, 'chunks' | 'close'> {
  const copy: Readable = client.query(copyTo(CSV_COPY));
  // Decoded to text: short-lived strings are collected with the young generation, whereas bytes (memory outside the
  // heap) pile up until the next full collection — about 60 MB more peak RSS for a million rows.
  copy.setEncoding('utf8');
  // Errors also reach the reader below; this listener keeps a late one (after the reader left) from being uncaught.
  copy.on('error', () => undefined);
  let copied = false;
  let closing: Promise<void> | undefined;
  const close = (failed = false) => {
    closing ??= (async () => {
      if (copied && !failed) {
        await client.query('COMMIT').catch(() => undefined);
        client.release();
        return;
      }
      // PostgreSQL stops sending COPY data only when the connection goes: a reader that left mid-way (or a broken
      // copy) discards the connection (pg destroys the socket of a client with a query in flight), which ends the
      // backend and rolls its transaction back.
      copy.destroy();
      client.release(true);
    })();
    return closing;
  };
  async function* chunks(): AsyncGenerator<string> {
    try {
      for await (const chunk of copy) yield chunk as string;
      copied = true;
      await close();
    } catch (err) {
      await close(true);
      throw fromDatabaseError(err);
    }
  }
  return { chunks: chunks(), close: () => close() };
}

function jsonExport(client: PoolClient, courseId: string): Pick<ExportStream, 'chunks' | 'close'> {
  const cursor = client.query(new Cursor<EventRow>(JSON_SELECT, [courseId]));
  let closed = false;
  const close = async (failed = false) => {
    if (closed) return;
    closed = true;
    await cursor.close().catch(() => undefined);
    await client.query(failed ? 'ROLLBACK' : 'COMMIT').catch(() => undefined);
    client.release(failed);
  };
  async function* chunks(): AsyncGenerator<string> {
    try {
      yield '[';
      let first = true;
      for (;;) {
        const batch = closed ? [] : await cursor.read(BATCH_ROWS);
        if (batch.length === 0) break;
        const body = batch.map((row) => JSON.stringify(row)).join(',');
        yield first ? body : `,${body}`;
        first = false;
      }
      yield ']\n';
      await close();
    } catch (err) {
      await close(true);
      throw fromDatabaseError(err);
    }
  }
  return { chunks: chunks(), close: () => close() };
}

function safeFilePart(value: string): string {
  return value.replace(/[^\w.-]+/g, '_').slice(0, 60) || 'course';
}
