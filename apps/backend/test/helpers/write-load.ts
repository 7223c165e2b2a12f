/**
 * Writes under load for the durability tests: numbered confusion pings (each a distinct student and slide, so the
 * dedupe window hides nothing) and questions (each with its own Idempotency-Key), sent by concurrent clients over
 * real HTTP, each outcome recorded; and the queries that count what the database holds of them.
 */
import type pg from 'pg';

export interface Write {
  n: number;
  kind: 'ping' | 'question';
  name: 'track_confusion' | 'submit_question';
  body: Record<string, unknown>;
  /** Sent as Idempotency-Key (questions only: a ping's natural key is its student and slide). */
  key?: string;
}

export interface Outcome {
  write: Write;
  /** HTTP status, or 0 when the connection failed or the request timed out (`hung`). */
  status: number;
  retryAfter: string | null;
  ms: number;
  hung: boolean;
  /** The answer's JSON when it was 200. */
  answer?: Record<string, unknown>;
  /** performance.now() when it was sent and answered. */
  sentAt: number;
  doneAt: number;
}

/** The n-th write of a course: even numbers are pings, odd ones questions (every other one anonymous). */
export function makeWrite(courseId: string, n: number): Write {
  if (n % 2 === 0) {
    return {
      n,
      kind: 'ping',
      name: 'track_confusion',
      body: { user_id: `pinger-${n}`, course_id: courseId, slide_id: `slide-${(n % 12) + 1}` },
    };
  }
  return {
    n,
    kind: 'question',
    name: 'submit_question',
    body: {
      user_id: `asker-${n}`,
      course_id: courseId,
      question_body: `Question ${n}: why does the gradient vanish here?`,
      anonymous: n % 4 === 1,
    },
    key: `${courseId}-question-${n}`,
  };
}

/** Sends one write; a failed connection or no answer within `timeoutMs` is status 0. */
export async function send(base: string, secret: string, write: Write, timeoutMs = 15_000): Promise<Outcome> {
  const sentAt = performance.now();
  const done = (status: number, retryAfter: string | null, hung: boolean, answer?: Record<string, unknown>) => {
    const doneAt = performance.now();
    return { write, status, retryAfter, hung, answer, sentAt, doneAt, ms: Math.round(doneAt - sentAt) };
  };
  try {
    const response = await fetch(`${base}/api/agentkit/${write.name}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${secret}`,
        'content-type': 'application/json',
        ...(write.key ? { 'idempotency-key': write.key } : {}),
      },
      body: JSON.stringify(write.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    const answer = response.status === 200 ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    return done(response.status, response.headers.get('retry-after'), false, answer);
  } catch (err) {
    return done(0, null, (err as Error).name === 'TimeoutError', undefined);
  }
}

export interface Load {
  outcomes: Outcome[];
  /** Requests sent and not answered yet. */
  inFlight(): number;
  acknowledged(): number;
  /** Stops sending new writes; resolves when every client has its last answer. */
  stop(): Promise<void>;
}

/** `clients` concurrent clients, each sending the next numbered write as soon as its previous one is answered. */
export function startLoad(base: string, secret: string, courseId: string, clients: number): Load {
  const outcomes: Outcome[] = [];
  let next = 0;
  let pending = 0;
  let acked = 0;
  let stopped = false;
  const client = async () => {
    while (!stopped) {
      const write = makeWrite(courseId, next++);
      pending += 1;
      const outcome = await send(base, secret, write);
      pending -= 1;
      if (outcome.status === 200) acked += 1;
      outcomes.push(outcome);
      // A refused connection answers at once: don't spin while the server is down.
      if (outcome.status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const running = Promise.all(Array.from({ length: clients }, client));
  return {
    outcomes,
    inFlight: () => pending,
    acknowledged: () => acked,
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/** How many times the database holds each write of a course, by write number. */
export async function storedCounts(pool: pg.Pool, courseId: string): Promise<Map<number, number>> {
  const { rows } = await pool.query<{ n: number; count: number }>(
    `SELECT substring(user_id FROM '^pinger-(\\d+)$')::int AS n, count(*)::int AS count
       FROM confusion_events WHERE course_id = $1 GROUP BY user_id, slide_id
     UNION ALL
     SELECT substring(body FROM '^Question (\\d+):')::int AS n, count(*)::int AS count
       FROM questions WHERE course_id = $1 GROUP BY body`,
    [courseId],
  );
  const counts = new Map<number, number>();
  for (const row of rows) counts.set(row.n, (counts.get(row.n) ?? 0) + row.count);
  return counts;
}

/** Sends a write until it is acknowledged (at most `attempts` times, pausing briefly after a refusal). */
export async function sendUntilAcknowledged(
  base: string,
  secret: string,
  write: Write,
  attempts = 50,
): Promise<Outcome> {
  let outcome = await send(base, secret, write);
  for (let attempt = 1; attempt < attempts && outcome.status !== 200; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    outcome = await send(base, secret, write);
  }
  return outcome;
}

/** Runs `work` over `items` with at most `concurrency` at a time. */
export async function mapConcurrently<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let index = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (index < items.length) {
        const i = index++;
        results[i] = await work(items[i] as T);
      }
    }),
  );
  return results;
}
