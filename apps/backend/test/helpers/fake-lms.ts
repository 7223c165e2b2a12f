/** What the fake LMS servers (fake-canvas.ts, fake-moodle.ts) share: faults, form parsing, request records. */
import type http from 'node:http';

/**
 * `rate-limit`: the LMS's throttling answer (Canvas: 403 `403 Forbidden (Rate Limit Exceeded)`); `429`: a 429;
 * `500`: a 500; `drop`: the socket is destroyed before any answer; `delay`: the request waits `ms` and is then
 * handled normally.
 */
export type FaultKind = 'rate-limit' | '429' | '500' | 'drop' | 'delay';

export interface FaultOptions {
  /** Only requests whose path starts with this (Moodle: or whose wsfunction equals it) are affected. */
  pathPrefix?: string;
  /** For `delay`: how long. Default 50. */
  ms?: number;
  /** For `rate-limit` and `429`: a `Retry-After` header, in seconds. */
  retryAfter?: number;
}

interface Fault extends FaultOptions {
  kind: FaultKind;
  remaining: number;
}

/** One request a fake received. Credentials (the Authorization header, Moodle's wstoken) are not kept. */
export interface RecordedLmsRequest {
  method: string;
  /** Without the query string. */
  path: string;
  query: Record<string, unknown>;
  /** The body: parsed JSON, or a form with `a[b][]` keys nested (numeric keys stay object keys). */
  form: Record<string, unknown> | undefined;
  headers: http.IncomingHttpHeaders;
  /** Whether the credentials were the expected ones. */
  authorized: boolean;
  /** The fault applied to this request, if any. */
  fault?: FaultKind;
}

/** The queue of injected faults. */
export class FaultQueue {
  private faults: Fault[] = [];

  /** Applies `kind` to the next `n` (matching) requests. */
  add(n: number, kind: FaultKind, options: FaultOptions = {}): void {
    if (n > 0) this.faults.push({ ...options, kind, remaining: n });
  }

  /** The fault for this request (consumed), if one matches. */
  take(path: string, label?: string): Fault | undefined {
    const fault = this.faults.find(
      (f) => !f.pathPrefix || path.startsWith(f.pathPrefix) || (label !== undefined && label === f.pathPrefix),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }
}

/**
 * Applies a fault; true when the request is finished with (answered or dropped). `rateLimit` answers the
 * LMS-specific throttling reply.
 */
export async function applyFault(
  fault: Fault,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  rateLimit: (res: http.ServerResponse, headers: Record<string, string>) => void,
): Promise<boolean> {
  const headers: Record<string, string> =
    fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) };
  switch (fault.kind) {
    case 'delay':
      await new Promise((resolve) => setTimeout(resolve, fault.ms ?? 50));
      return false;
    case 'drop':
      req.socket.destroy();
      return true;
    case 'rate-limit':
      rateLimit(res, headers);
      return true;
    case '429':
      res.writeHead(429, { 'content-type': 'text/plain', ...headers }).end('429 Too Many Requests');
      return true;
    case '500':
      res.writeHead(500, { 'content-type': 'text/plain' }).end('500 Internal Server Error');
      return true;
  }
}

/** `a[b][c]=1&a[d][]=2&a[d][]=3` → `{ a: { b: { c: '1' }, d: ['2', '3'] } }`. */
export function parseNestedForm(params: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of params) {
    const parts = (key.match(/^[^[]+|\[[^\]]*\]/g) ?? [key]).map((p) => (p.startsWith('[') ? p.slice(1, -1) : p));
    let node: Record<string, unknown> = root;
    parts.forEach((part, i) => {
      const next = parts[i + 1];
      if (next === undefined) node[part] = value;
      else if (next === '') {
        const list = Array.isArray(node[part]) ? (node[part] as unknown[]) : [];
        node[part] = list;
        list.push(value);
        parts.length = i + 1; // `[]` ends the key.
      } else {
        const child = node[part];
        node[part] = child && typeof child === 'object' && !Array.isArray(child) ? child : {};
        node = node[part] as Record<string, unknown>;
      }
    });
  }
  return root;
}

/** Reads the body and parses it as JSON or a form, by content type. */
export async function readForm(req: http.IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  if ((req.headers['content-type'] ?? '').includes('json')) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return parseNestedForm(new URLSearchParams(text));
}

/** Counts requests being handled at once; `max` is the most seen. */
export class ConcurrencyMeter {
  current = 0;
  max = 0;
  track(res: http.ServerResponse): void {
    this.current += 1;
    this.max = Math.max(this.max, this.current);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.current -= 1;
    };
    res.on('finish', finish);
    res.on('close', finish);
  }
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

export function truthy(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

export function withoutCredentials(headers: http.IncomingHttpHeaders): http.IncomingHttpHeaders {
  const { authorization: _authorization, ...rest } = headers;
  return rest;
}

/** Closes a loopback server, cutting kept-alive connections. */
export async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

// ---------- Canvas ----------
