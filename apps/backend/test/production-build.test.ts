import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { freePort, type ServerProcess, startServer, waitFor } from './helpers/process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

// The deployment path: `npm run build`, then `node apps/backend/dist/main.js` as the Dockerfile runs it — no tsx, the
// workspace packages from their compiled `dist`, migrations and the demo lecture found beside the compiled code.
describe('the production build', () => {
  const running: ServerProcess[] = [];
  let database: TestDatabase;

  beforeAll(async () => {
    // The page is built once by the global setup; this builds the backend and the two packages it imports.
    const build = spawnSync(
      'npm',
      ['run', 'build', '-w', 'packages/contracts', '-w', 'packages/chatkit-server', '-w', 'apps/backend'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(build.status, `${build.stdout}\n${build.stderr}`).toBe(0);
    database = await createTestDatabase();
  }, 120_000);

  afterAll(async () => {
    for (const server of running) {
      if (server.child.exitCode === null) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    }
    await database?.drop();
  });

  it('holds everything the server reads at run time', () => {
    const dist = path.join(ROOT, 'apps/backend/dist');
    expect(existsSync(path.join(dist, 'main.js'))).toBe(true);
    expect(existsSync(path.join(dist, 'db/migrations/0001_init.sql'))).toBe(true);
    expect(existsSync(path.join(dist, 'db/demo/lecture.md'))).toBe(true);
    expect(existsSync(path.join(ROOT, 'packages/contracts/dist/index.js'))).toBe(true);
    expect(existsSync(path.join(ROOT, 'packages/chatkit-server/dist/index.js'))).toBe(true);
  });

  it('serves the page as built for production, whatever NODE_ENV the build was started under', () => {
    const dist = path.join(ROOT, 'apps/frontend/dist');
    expect(readFileSync(path.join(dist, 'build-mode.txt'), 'utf8').trim()).toBe('production');
    const assets = readdirSync(path.join(dist, 'assets'));
    expect(assets.some((name) => name.endsWith('.js'))).toBe(true);
    expect(assets.filter((name) => name.includes('jsx-dev-runtime'))).toStrictEqual([]);
  });

  it('starts with NODE_ENV=production and real secrets: migrates, seeds, serves the page and the functions', async () => {
    const port = await freePort();
    const agentkitSecret = randomBytes(24).toString('hex');
    const server = startServer(
      {
        NODE_ENV: 'production',
        AGENTKIT_SECRET: agentkitSecret,
        SESSION_SECRET: randomBytes(24).toString('hex'),
        DATABASE_URL: database.url,
        PORT: String(port),
        HOST: '127.0.0.1',
      },
      'build',
    );
    running.push(server);
    await waitFor(
      () => server.stdout().includes('Class Assist is ready') || server.child.exitCode !== null,
      30_000,
      'the built server to start',
    );
    expect(server.child.exitCode, server.stderr()).toBeNull();
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="root"');
    // The page is React's production build, though `npm test` (NODE_ENV=test) built it: no development runtime.
    const entry = /<script type="module"[^>]* src="([^"]+)"/.exec(html)?.[1];
    expect(entry).toBeDefined();
    const script = await (await fetch(`${base}${entry}`)).text();
    expect(script.length).toBeGreaterThan(10_000);
    expect(script).not.toContain('jsx-dev-runtime');

    const call = (name: string, body: object, secret = agentkitSecret) =>
      fetch(`${base}/api/agentkit/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const ping = await call('track_confusion', { user_id: 'build-student', course_id: 'demo', slide_id: 'slide-2' });
    expect(ping.status).toBe(200);
    expect(await ping.json()).toMatchObject({ success: true, duplicate: false });
    const notes = await call('fetch_notes', { user_id: 'build-student', course_id: 'demo' });
    expect(((await notes.json()) as { notes: unknown[] }).notes).toHaveLength(12); // the seeded demo lecture
    expect((await call('fetch_notes', { user_id: 'x', course_id: 'demo' }, 'wrong')).status).toBe(401);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 60_000);

  it('refuses to start in production without secrets, and says which', async () => {
    const server = startServer(
      { NODE_ENV: 'production', DATABASE_URL: database.url, PORT: String(await freePort()) },
      'build',
    );
    running.push(server);
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toMatch(/AGENTKIT_SECRET must be set[\s\S]*SESSION_SECRET must be set/);
  });
});
