/**
 * Plain HTTP load from its own process, over keep-alive connections to 127.0.0.1:
 * - `sequence`: the given requests one after another, `repeat` times, each timed;
 * - `pace`: random pings at a fixed rate (open loop: a slow answer does not delay the next ping), each acknowledgement
 *   timed and stamped with the wall clock;
 * - `download`: one request whose streamed answer is counted (bytes, lines) and timed.
 */
import http from 'node:http';
import { now, type PingSpec, randomPing, runWorker } from './worker-io.js';

export interface RequestSpec {
  label: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

export type HttpConfig =
  | { mode: 'sequence'; baseUrl: string; headers: Record<string, string>; requests: RequestSpec[]; repeat: number }
  | {
      mode: 'pace';
      baseUrl: string;
      headers: Record<string, string>;
      path: string;
      ratePerSec: number;
      durationSec: number;
      maxInFlight: number;
      ping: PingSpec;
    }
  | { mode: 'download'; baseUrl: string; headers: Record<string, string>; path: string; body: unknown };

export interface SequenceResult {
  /** Per label: the latency of each request in ms. */
  latencies: Record<string, number[]>;
  /** Answers other than 200, per label. */
  failures: Record<string, number>;
  firstFailure: string | undefined;
}

export interface PaceResult {
  sent: number;
  /** Pings not sent on time because `maxInFlight` were outstanding. */
  skipped: number;
  failures: number;
  firstFailure: string | undefined;
  /** Pings that were stored (200, duplicate: false): wall-clock times [sent, acknowledged]. */
  stored: Array<[number, number]>;
  duplicates: number;
  /** Request latencies (ms) of every 200. */
  latencies: number[];
}

export interface DownloadResult {
  status: number;
  bytes: number;
  lines: number;
  firstByteMs: number;
  totalMs: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function request(
  baseUrl: string,
  spec: { method: string; path: string; headers: Record<string, string>; body?: unknown },
  onData?: (chunk: Buffer) => void,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const req = http.request(
      `${baseUrl}${spec.path}`,
      {
        method: spec.method,
        agent,
        headers: payload ? { 'content-type': 'application/json', ...spec.headers } : spec.headers,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => (onData ? onData(chunk) : chunks.push(chunk)));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function sequence(config: Extract<HttpConfig, { mode: 'sequence' }>): Promise<SequenceResult> {
  const result: SequenceResult = { latencies: {}, failures: {}, firstFailure: undefined };
  for (let round = 0; round < config.repeat; round += 1) {
    for (const spec of config.requests) {
      const started = performance.now();
      const response = await request(config.baseUrl, { ...spec, headers: config.headers });
      const elapsed = performance.now() - started;
      if (response.status === 200) {
        const list = result.latencies[spec.label] ?? [];
        list.push(elapsed);
        result.latencies[spec.label] = list;
      } else {
        result.failures[spec.label] = (result.failures[spec.label] ?? 0) + 1;
        result.firstFailure ??= `${spec.label}: ${response.status} ${response.text.slice(0, 200)}`;
      }
    }
  }
  return result;
}

async function pace(config: Extract<HttpConfig, { mode: 'pace' }>): Promise<PaceResult> {
  const result: PaceResult = {
    sent: 0,
    skipped: 0,
    failures: 0,
    firstFailure: undefined,
    stored: [],
    duplicates: 0,
    latencies: [],
  };
  const total = Math.round(config.ratePerSec * config.durationSec);
  const interval = 1000 / config.ratePerSec;
  const start = performance.now();
  const pending = new Set<Promise<void>>();
  for (let index = 0; index < total; index += 1) {
    const due = start + index * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    if (pending.size >= config.maxInFlight) {
      result.skipped += 1;
      continue;
    }
    result.sent += 1;
    const sentAt = performance.now();
    const sentWallAt = now();
    const task = request(config.baseUrl, {
      method: 'POST',
      path: config.path,
      headers: config.headers,
      body: JSON.parse(randomPing(config.ping)),
    })
      .then((response) => {
        const ackAt = now();
        if (response.status !== 200) {
          result.failures += 1;
          result.firstFailure ??= `${response.status} ${response.text.slice(0, 200)}`;
          return;
        }
        result.latencies.push(performance.now() - sentAt);
        const body = JSON.parse(response.text) as { duplicate?: boolean };
        if (body.duplicate) result.duplicates += 1;
        else result.stored.push([sentWallAt, ackAt]);
      })
      .catch((err: Error) => {
        result.failures += 1;
        result.firstFailure ??= err.message;
      })
      .finally(() => pending.delete(task));
    pending.add(task);
  }
  await Promise.all(pending);
  return result;
}

async function download(config: Extract<HttpConfig, { mode: 'download' }>): Promise<DownloadResult> {
  const started = performance.now();
  let firstByteMs = 0;
  let bytes = 0;
  let lines = 0;
  const response = await request(
    config.baseUrl,
    { method: 'POST', path: config.path, headers: config.headers, body: config.body },
    (chunk) => {
      if (bytes === 0) firstByteMs = performance.now() - started;
      bytes += chunk.length;
      for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines += 1;
    },
  );
  return { status: response.status, bytes, lines, firstByteMs, totalMs: performance.now() - started };
}

runWorker<HttpConfig>(async (config) => {
  if (config.mode === 'sequence') return sequence(config);
  if (config.mode === 'pace') return pace(config);
  return download(config);
});
