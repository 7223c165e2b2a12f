/**
 * Oversized and slow requests are cut off, and static files cannot leave their folder. Over real sockets where the
 * client's own behaviour matters (byte-by-byte headers, a body that never finishes, paths no HTTP client would send).
 */
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRONTEND_DIST } from '../src/http/frontend.routes.js';
import { MAX_HEADER_BYTES } from '../src/http/server-limits.js';
import { addSlides, buildTestApp, TEST_SECRET, type TestApp, uniqueId } from './helpers/app.js';
import { listen, openSession } from './helpers/chatkit.js';

// Shortened deadlines, so the test waits a second rather than a minute.
const TIMEOUTS = { headersMs: 400, requestMs: 1_000, checkIntervalMs: 50 };

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await buildTestApp({ appDeps: { httpTimeouts: TIMEOUTS } });
  port = Number(new URL(await listen(t)).port);
});
afterAll(() => t?.close());

interface RawExchange {
  /** Everything the server sent before closing (or before `waitMs` ran out). */
  received: string;
  /** Whether the server closed the connection. */
  closed: boolean;
  /** Milliseconds from connecting to the close. */
  elapsedMs: number;
}

/**
 * Opens a socket, writes `chunks` one every `gapMs` (stopping once the server closes) and waits up to `waitMs` for
 * the server to close it.
 */
function rawExchange(chunks: string[], gapMs: number, waitMs: number): Promise<RawExchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let closed = false;
    const finish = () => {
      clearTimeout(deadline);
      socket.destroy();
      resolve({ received, closed, elapsedMs: Date.now() - started });
    };
    const deadline = setTimeout(finish, waitMs);
    socket.on('data', (data) => {
      received += data.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (closed || socket.destroyed) return;
        socket.write(chunk);
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

describe('slow requests', () => {
  it('cuts off a client sending its headers byte by byte (slowloris)', async () => {
    const request = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`;
    const exchange = await rawExchange([...request], 20, 5_000);
    expect(exchange.closed).toBe(true);
    expect(exchange.received).toMatch(/^HTTP\/1\.1 408/);
    // Cut off near the header deadline, long before the client would have finished (over 4 s at this pace).
    expect(exchange.elapsedMs).toBeLessThan(TIMEOUTS.headersMs + 1_000);
  });

  it('cuts off a body that never finishes arriving', async () => {
    const head =
      `POST /api/agentkit/track_confusion HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TEST_SECRET}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n';
    const exchange = await rawExchange([head, ...Array.from({ length: 100 }, () => ' ')], 50, 6_000);
    expect(exchange.closed).toBe(true);
    expect(exchange.received).toMatch(/^HTTP\/1\.1 408/);
    expect(exchange.elapsedMs).toBeLessThan(TIMEOUTS.requestMs + 1_000);
  });

  it('keeps a live stream (SSE) open past the request deadline: it applies to receiving requests only', async () => {
    const course = uniqueId('course');
    await addSlides(t.pool, course, [{ id: 'slide-1', title: 'One' }]);
    const member = await openSession(t, { userId: uniqueId('teacher'), courseId: course, role: 'Instructor' });
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${port}/api/live?client_secret=${member.client_secret}`, {
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended; got ${text}`);
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil(/"type":"hello"/);
    await new Promise((resolve) => setTimeout(resolve, TIMEOUTS.requestMs * 2));
    const ping = await t.call('track_confusion', { user_id: uniqueId('student'), course_id: course });
    expect(ping.statusCode).toBe(200);
    await readUntil(/"type":"course.changed"/);
    controller.abort();
  });
});

describe('oversized requests', () => {
  it('answers 431 to headers over the limit', async () => {
    const request = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(MAX_HEADER_BYTES)}\r\n\r\n`;
    const exchange = await rawExchange([request], 0, 3_000);
    expect(exchange.received).toMatch(/^HTTP\/1\.1 431/);
  });

  const json = { 'content-type': 'application/json' };
  const auth = { authorization: `Bearer ${TEST_SECRET}` };
  const bigJson = (bytes: number) => JSON.stringify({ user_id: 'u', course_id: 'c', pad: 'x'.repeat(bytes) });
  const cases: Array<[string, string, Record<string, string>, string]> = [
    ['an AgentKit function', '/api/agentkit/track_confusion', { ...auth, ...json }, bigJson(65 * 1024)],
    ['MCP', '/mcp', { ...auth, ...json, accept: 'application/json, text/event-stream' }, bigJson(65 * 1024)],
    ['a ChatKit session', '/api/chatkit/session', json, bigJson(65 * 1024)],
    ['the ChatKit protocol', '/chatkit', { ...auth, ...json }, bigJson(257 * 1024)],
    [
      'an LTI launch',
      '/lti/launch',
      { 'content-type': 'application/x-www-form-urlencoded' },
      `id_token=${'x'.repeat(65 * 1024)}&state=s`,
    ],
    ['an LTI platform', '/api/admin/lti/platforms', { ...auth, ...json }, bigJson(65 * 1024)],
    [
      'a lecture',
      '/api/admin/courses/c/material',
      { ...auth, 'content-type': 'text/markdown' },
      `# L\n${'x'.repeat(10 * 1024 * 1024 + 1)}`,
    ],
  ];
  it.each(cases)('refuses %s over its body limit with 413 and a JSON message', async (_name, url, headers, payload) => {
    const response = await t.app.inject({ method: 'POST', url, headers, payload });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ error: 'payload_too_large', message: expect.any(String) });
  });

  it('refuses a roster over 5 MiB', async () => {
    const response = await t.app.inject({
      method: 'PUT',
      url: '/api/admin/courses/c/roster',
      headers: { ...auth, ...json },
      payload: JSON.stringify([{ user_id: 'x'.repeat(5 * 1024 * 1024) }]),
    });
    expect(response.statusCode).toBe(413);
  });
});

describe('static files', () => {
  /** GET over a raw socket, so the path reaches the server exactly as written. */
  async function rawGet(path: string): Promise<string> {
    const exchange = await rawExchange(
      [`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`],
      0,
      3_000,
    );
    return exchange.received;
  }

  it('serves the page assets', async () => {
    const asset = readdirSync(`${FRONTEND_DIST}/assets`).find((name) => name.endsWith('.js'));
    expect(await rawGet(`/assets/${asset}`)).toMatch(/^HTTP\/1\.1 200/);
  });

  it.each([
    '/assets/../../package.json',
    '/assets/../../../../package.json',
    '/assets/%2e%2e/%2e%2e/package.json',
    '/assets/%2E%2E%2F%2E%2E%2Fpackage.json',
    '/assets/..%2f..%2fpackage.json',
    '/assets/..\\..\\package.json',
    '/assets/%2e%2e%5c%2e%2e%5cpackage.json',
    '/assets/%252e%252e/%252e%252e/package.json',
    '/assets/....//....//package.json',
    '/assets/%c0%ae%c0%ae/%c0%ae%c0%ae/package.json',
    '/assets/%00../../package.json',
    '/../package.json',
    '/%2e%2e/package.json',
  ])('never serves a file outside its folder: GET %s', async (path) => {
    const answer = await rawGet(path);
    const status = Number(answer.match(/^HTTP\/1\.1 (\d{3})/)?.[1]);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(answer).not.toContain('"workspaces"');
    expect(answer).not.toContain('"dependencies"');
  });
});
