import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, type ServerProcess, startServer, waitFor } from './helpers/process.js';

/** A plain HTTP request on a connection of its own (no keep-alive pool that could hide a refused connection). */
function request(port: number, method: string, url: string, headers: Record<string, string | number> = {}) {
  return http.request({ host: '127.0.0.1', port, method, path: url, headers, agent: false });
}

function response(req: http.ClientRequest) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.once('error', reject);
    });
  });
}

function refused(port: number) {
  return new Promise<boolean>((resolve) => {
    const req = request(port, 'GET', '/healthz');
    req.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
    req.once('response', (res) => {
      res.resume();
      resolve(false);
    });
    req.end();
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// SIGTERM as a container platform or systemd sends it, to the real server on the embedded PostgreSQL.
describe('graceful shutdown', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'class-assist-shutdown-'));
  chmodSync(dataDir, 0o755);
  let server: ServerProcess | undefined;
  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes the request in flight, ends live streams with a reconnect hint, refuses new connections, stops the database last and exits 0', async () => {
    const port = await freePort();
    const running = startServer({ DATA_DIR: dataDir, PORT: String(port), NODE_ENV: 'development' });
    server = running;
    await waitFor(
      () => running.stdout().includes('Class Assist is ready') || running.child.exitCode !== null,
      60_000,
      'start',
    );
    expect(running.child.exitCode, running.stderr()).toBeNull();
    const clusterDir = /embedded PostgreSQL \S+ in (\S+) \(/.exec(running.stdout())?.[1] ?? '';
    const postgresPid = Number.parseInt(readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8'), 10);
    const { agentkitSecret } = JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8'));

    // An instructor's page, live.
    const sessionRequest = request(port, 'POST', '/api/chatkit/session', { 'content-type': 'application/json' });
    sessionRequest.end(JSON.stringify({ userId: 'shutdown-teacher', courseId: 'demo', role: 'Instructor' }));
    const session = await response(sessionRequest);
    expect(session.status, session.body).toBe(200);
    const { client_secret } = JSON.parse(session.body) as { client_secret: string };
    const live = request(port, 'GET', `/api/live?client_secret=${encodeURIComponent(client_secret)}`);
    live.end();
    let stream = '';
    let streamEnded = false;
    let streamFailed: Error | undefined;
    live.once('response', (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        stream += chunk;
      });
      res.once('end', () => {
        streamEnded = true;
      });
      res.once('aborted', () => {
        streamFailed = new Error('the live stream was aborted');
      });
    });
    live.once('error', (err) => {
      streamFailed = err;
    });
    await waitFor(() => stream.includes('"type":"hello"'), 10_000, 'the live stream to open');
    expect(stream.startsWith('retry: 2000\n\n')).toBe(true);

    // A function call in flight: its headers are in, half its body is still on the way when SIGTERM arrives.
    const body = JSON.stringify({ user_id: 'shutdown-student', course_id: 'demo', slide_id: 'slide-4' });
    const inFlight = request(port, 'POST', '/api/agentkit/track_confusion', {
      authorization: `Bearer ${agentkitSecret}`,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    const answered = response(inFlight);
    inFlight.write(body.slice(0, 20));
    await new Promise((resolve) => setTimeout(resolve, 300));

    const signalled = Date.now();
    running.child.kill('SIGTERM');
    await waitFor(() => streamEnded || streamFailed !== undefined, 5_000, 'the live stream to end');
    expect(streamFailed).toBeUndefined();
    expect(streamEnded).toBe(true);

    // Not listening any more, while the request in flight is still being served.
    let refusing = false;
    const deadline = Date.now() + 5_000;
    while (!refusing && Date.now() < deadline) refusing = await refused(port);
    expect(refusing).toBe(true);
    expect(running.child.exitCode).toBeNull();
    expect(isAlive(postgresPid)).toBe(true);

    inFlight.end(body.slice(20));
    const answer = await answered;
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ success: true, duplicate: false }); // written: the database was up

    expect(await running.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(existsSync(path.join(clusterDir, 'postmaster.pid'))).toBe(false);
    await waitFor(() => !isAlive(postgresPid), 5_000, 'PostgreSQL to stop');
    expect(existsSync(path.join(dataDir, 'class-assist.pid'))).toBe(false);
  }, 120_000);
});
