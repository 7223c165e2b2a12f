/**
 * The baseline the benchmark compares Class Assist with: bare Fastify and `pg`, no auth, no dedupe, no spike check.
 *
 * - `POST /ping` — one INSERT into `bench_baseline_events`, a table of the same shape as `confusion_events`
 *   (`CREATE TABLE … (LIKE confusion_events INCLUDING ALL)`: columns, identity, defaults, indexes; no foreign keys).
 * - `POST /ping-notify` — the same INSERT with a `pg_notify` in the same statement.
 * - `GET /live` — server-sent events: every notification is written to every open stream at once (no coalescing).
 * - `GET /select` — one `SELECT 1` (the floor of an HTTP round trip with a query).
 *
 * Environment: DATABASE_URL (a migrated Class Assist database), PORT; listens on 127.0.0.1 only.
 */
import type { ServerResponse } from 'node:http';
import Fastify from 'fastify';
import pg from 'pg';

const CHANNEL = 'bench_baseline';
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query('CREATE TABLE IF NOT EXISTS bench_baseline_events (LIKE confusion_events INCLUDING ALL)');

const app = Fastify({ logger: false });
const pingBody = {
  type: 'object',
  required: ['user_id', 'course_id'],
  properties: {
    user_id: { type: 'string', maxLength: 255 },
    course_id: { type: 'string', maxLength: 255 },
    slide_id: { type: 'string', maxLength: 255 },
    timestamp: { type: 'string' },
  },
} as const;
interface Ping {
  user_id: string;
  course_id: string;
  slide_id?: string;
}

app.get('/healthz', async () => ({ ok: true }));

app.get('/select', async () => {
  await pool.query('SELECT 1');
  return { ok: true };
});

app.post('/ping', { schema: { body: pingBody } }, async (request) => {
  const ping = request.body as Ping;
  await pool.query(
    'INSERT INTO bench_baseline_events (course_id, user_id, slide_id, occurred_at) VALUES ($1, $2, $3, now())',
    [ping.course_id, ping.user_id, ping.slide_id ?? null],
  );
  return { success: true };
});

app.post('/ping-notify', { schema: { body: pingBody } }, async (request) => {
  const ping = request.body as Ping;
  await pool.query(
    `WITH event AS (
       INSERT INTO bench_baseline_events (course_id, user_id, slide_id, occurred_at) VALUES ($1, $2, $3, now())
       RETURNING course_id)
     SELECT pg_notify('${CHANNEL}', course_id) FROM event`,
    [ping.course_id, ping.user_id, ping.slide_id ?? null],
  );
  return { success: true };
});

const streams = new Set<ServerResponse>();
const listener = await pool.connect();
listener.on('notification', (message) => {
  const data = `data: ${JSON.stringify({ type: 'course.changed', course_id: message.payload, reason: 'confusion' })}\n\n`;
  for (const raw of streams) raw.write(data);
});
await listener.query(`LISTEN ${CHANNEL}`);

app.get('/live', (request, reply) => {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  raw.write(`data: ${JSON.stringify({ type: 'hello' })}\n\n`);
  streams.add(raw);
  request.raw.once('close', () => streams.delete(raw));
});

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const raw of streams) raw.end();
    listener.release();
    void app
      .close()
      .then(() => pool.end())
      .finally(() => process.exit(0));
  });
}
