import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { RUNTIME_ROLE, runtimeRolePassword, withRole } from '../src/db/roles.js';
import { freePort, type ServerProcess, startServer, waitFor } from './helpers/process.js';

// The quick start as a new user runs it: no DATABASE_URL, so the embedded PostgreSQL under DATA_DIR.
describe('npm start on the embedded PostgreSQL', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'class-assist-start-'));
  chmodSync(dataDir, 0o755);
  const running: ServerProcess[] = [];
  afterAll(async () => {
    for (const server of running) {
      if (server.child.exitCode === null) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (port: number) => {
    const server = startServer({ DATA_DIR: dataDir, PORT: String(port), NODE_ENV: 'development' });
    running.push(server);
    return server;
  };
  /** Asks the running server's embedded PostgreSQL who the server logs in as and what its runtime role can see. */
  const embeddedIsolation = async (server: ServerProcess) => {
    const clusterDir = /embedded PostgreSQL \S+ in (\S+) \(/.exec(server.stdout())?.[1] ?? '';
    const port = readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[3]?.trim();
    const password = readFileSync(path.join(dataDir, 'postgres-password'), 'utf8').trim();
    const admin = new pg.Client(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`);
    const { sessionSecret } = JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8'));
    const runtime = new pg.Client(
      withRole(`postgres://127.0.0.1:${port}/postgres`, RUNTIME_ROLE, runtimeRolePassword(sessionSecret)),
    );
    await Promise.all([admin.connect(), runtime.connect()]);
    try {
      const logins = await admin.query<{ usename: string }>(
        "SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = 'class-assist'",
      );
      const unforced = await admin.query<{ relname: string }>(
        `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'
           AND (relname = 'courses' OR EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = pg_class.oid AND attname = 'course_id'))
           AND NOT (relrowsecurity AND relforcerowsecurity)`,
      );
      const version = await admin.query<{ v: number }>("SELECT current_setting('server_version_num')::int AS v");
      const count = async () =>
        (await runtime.query<{ n: number }>('SELECT count(*)::int AS n FROM slides')).rows[0]?.n;
      const visibleWithoutCourse = await count();
      await runtime.query('BEGIN');
      await runtime.query("SELECT set_config('app.course_id', 'demo', true)");
      const visibleInDemo = await count();
      await runtime.query('ROLLBACK');
      return {
        version: version.rows[0]?.v ?? 0,
        logins: logins.rows.map((r) => r.usename),
        unforced: unforced.rows.map((r) => r.relname),
        visibleWithoutCourse,
        visibleInDemo,
      };
    } finally {
      await Promise.all([admin.end(), runtime.end()]);
    }
  };
  const ready = (server: ServerProcess) =>
    waitFor(() => server.stdout().includes('Class Assist is ready') || server.child.exitCode !== null, 60_000, 'start');

  it('starts, seeds the demo course, refuses a second server on the same data, stops cleanly and keeps the data', async () => {
    const port = await freePort();
    const first = await start(port);
    await ready(first);
    expect(first.child.exitCode, first.stderr()).toBeNull();
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    const { agentkitSecret } = JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8'));
    expect(first.stdout()).toContain(`AgentKit secret  ${agentkitSecret}`);
    const call = (name: string, body: object) =>
      fetch(`${base}/api/agentkit/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agentkitSecret}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const heatmap = (await (
      await call('get_confusion_heatmap', { course_id: 'demo', time_range: 'this_week' })
    ).json()) as {
      chartData: Array<{ label: string }>;
    };
    expect(heatmap.chartData.slice(0, 12).map((p: { label: string }) => p.label)).toStrictEqual(
      Array.from({ length: 12 }, (_, i) => `Slide ${i + 1}`),
    );
    const ping = await call('track_confusion', {
      user_id: 'start-test-student',
      course_id: 'demo',
      slide_id: 'slide-3',
    });
    expect(await ping.json()).toMatchObject({ success: true, duplicate: false });

    // The server runs as the runtime role, under row-level security, on the embedded PostgreSQL too.
    const isolation = await embeddedIsolation(first);
    expect(isolation.version).toBeGreaterThanOrEqual(180_000);
    expect(isolation.logins).toEqual([RUNTIME_ROLE]);
    expect(isolation.unforced).toEqual([]);
    expect(isolation.visibleWithoutCourse).toBe(0);
    expect(isolation.visibleInDemo).toBeGreaterThan(0);

    const second = startServer({ DATA_DIR: dataDir, PORT: String(await freePort()), NODE_ENV: 'development' });
    running.push(second);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(
      `Another Class Assist (pid ${first.child.pid}) is already using the data directory`,
    );
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    const clusterDir = /embedded PostgreSQL \S+ in (\S+) \(/.exec(first.stdout())?.[1] ?? '';
    expect(existsSync(path.join(clusterDir, 'postmaster.pid'))).toBe(true);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(path.join(clusterDir, 'postmaster.pid'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'class-assist.pid'))).toBe(false);

    const again = await start(port);
    await ready(again);
    expect(again.child.exitCode, again.stderr()).toBeNull();
    const repeat = await call('track_confusion', {
      user_id: 'start-test-student',
      course_id: 'demo',
      slide_id: 'slide-3',
    });
    // The ping before the restart is still there: the repeat within 30 s is recognised as a duplicate.
    expect(await repeat.json()).toMatchObject({ success: true, duplicate: true });
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, 120_000);

  it('recovers after the server was killed: stops the orphaned PostgreSQL and starts again with the data', async () => {
    const port = await freePort();
    const killed = await start(port);
    await ready(killed);
    expect(killed.child.exitCode, killed.stderr()).toBeNull();
    const clusterDir = /embedded PostgreSQL \S+ in (\S+) \(/.exec(killed.stdout())?.[1] ?? '';
    const orphan = Number.parseInt(readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8'), 10);
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(() => process.kill(orphan, 0)).not.toThrow(); // PostgreSQL outlived its server

    const again = await start(port);
    await ready(again);
    expect(again.child.exitCode, again.stderr()).toBeNull();
    expect(() => process.kill(orphan, 0)).toThrow();
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, 120_000);

  it('refuses to start in production without secrets, and says which', async () => {
    const server = startServer({ NODE_ENV: 'production', DATA_DIR: dataDir, PORT: String(await freePort()) });
    running.push(server);
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toMatch(/AGENTKIT_SECRET must be set[\s\S]*SESSION_SECRET must be set/);
  });
});
