/**
 * Holds many server-sent-event streams open, as pages of students and instructors do, and records when each
 * `course.changed` event arrives. With `sessionSecret` set, each client first gets a ChatKit session
 * (`POST /api/chatkit/session` with the AgentKit secret) and connects with its client secret; without it, it connects
 * to `livePath` as is (the baseline server). Sends `ready` once every stream said hello, and `result` (the receipt
 * times of the recorded clients) on the parent's `report` message.
 */
import http from 'node:http';
import { nextMessage, now, runWorker, send } from './worker-io.js';

export interface SseClientSpec {
  userId: string;
  role: 'student' | 'instructor';
  /** Keep this client's receipt times for the report. */
  record: boolean;
}

export interface SseConfig {
  baseUrl: string;
  livePath: string;
  courseId: string;
  clients: SseClientSpec[];
  /** The AgentKit secret, to create sessions; absent for the baseline server. */
  sessionSecret?: string;
  /** Sessions and connections opened at once. */
  concurrency: number;
}

export interface SseReady {
  connected: number;
  failed: number;
  firstError: string | undefined;
  sessionsMs: number;
  connectMs: number;
}

export interface SseReport {
  /** Per recorded client, the wall-clock times (ms) of its course.changed events. */
  receipts: number[][];
  /** Streams that ended before the report. */
  dropped: number;
  connected: number;
}

const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

runWorker<SseConfig>(async (config) => {
  const secrets: Array<string | undefined> = new Array(config.clients.length);
  let failed = 0;
  let firstError: string | undefined;
  const fail = (err: unknown) => {
    failed += 1;
    firstError ??= err instanceof Error ? err.message : String(err);
  };
  const sessionsStarted = now();
  if (config.sessionSecret) {
    await inBatches(config.clients.length, config.concurrency, async (index) => {
      const client = config.clients[index] as SseClientSpec;
      secrets[index] = await createSession(config, client).catch((err) => {
        fail(err);
        return undefined;
      });
    });
  }
  const sessionsMs = now() - sessionsStarted;

  const receipts: number[][] = config.clients.map(() => []);
  const requests: http.ClientRequest[] = [];
  let connected = 0;
  let dropped = 0;
  const connectStarted = now();
  await inBatches(config.clients.length, config.concurrency, async (index) => {
    if (config.sessionSecret && !secrets[index]) return;
    const query = secrets[index] ? `?client_secret=${encodeURIComponent(secrets[index] as string)}` : '';
    const record = (config.clients[index] as SseClientSpec).record;
    await new Promise<void>((resolve) => {
      const request = http.get(`${config.baseUrl}${config.livePath}${query}`, { agent }, (response) => {
        if (response.statusCode !== 200) {
          fail(new Error(`GET ${config.livePath}: ${response.statusCode}`));
          response.resume();
          return resolve();
        }
        let buffer = '';
        let hello = false;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          const at = now();
          buffer += chunk;
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
            if (!hello && event.includes('"hello"')) {
              hello = true;
              connected += 1;
              resolve();
            } else if (record && event.includes('"course.changed"')) {
              (receipts[index] as number[]).push(at);
            }
          }
        });
        response.on('close', () => {
          if (hello) dropped += 1;
          resolve();
        });
      });
      request.on('error', (err) => {
        fail(err);
        resolve();
      });
      requests.push(request);
    });
  });
  await send('ready', {
    data: { connected, failed, firstError, sessionsMs, connectMs: now() - connectStarted } satisfies SseReady,
  });

  await nextMessage('report');
  const report: SseReport = {
    receipts: receipts.filter((_, index) => (config.clients[index] as SseClientSpec).record),
    dropped,
    connected,
  };
  for (const request of requests) request.destroy();
  return report;
});

async function createSession(config: SseConfig, client: SseClientSpec): Promise<string> {
  const response = await fetch(`${config.baseUrl}/api/chatkit/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${config.sessionSecret}` },
    body: JSON.stringify({
      userId: client.userId,
      courseId: config.courseId,
      role: client.role === 'instructor' ? 'Instructor' : 'Learner',
    }),
  });
  const body = (await response.json()) as { client_secret?: string; message?: string };
  if (response.status !== 200 || !body.client_secret) {
    throw new Error(`POST /api/chatkit/session: ${response.status} ${body.message ?? ''}`);
  }
  return body.client_secret;
}

/** Runs `task(0…count-1)` with at most `concurrency` at a time. */
async function inBatches(count: number, concurrency: number, task: (index: number) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const index = next;
      next += 1;
      await task(index);
    }
  });
  await Promise.all(lanes);
}
