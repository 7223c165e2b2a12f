/**
 * The specification's "Test Function Endpoints" curl example for track_confusion, run as written with the real curl
 * against a listening server. Only the host and port change, and the AgentKit secret is added.
 */
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TEST_SECRET, type TestApp } from './helpers/app.js';
import { specTrackConfusionCurl } from './helpers/spec.js';

const run = promisify(execFile);

const curlInstalled = await run('curl', ['--version']).then(
  () => true,
  () => false,
);
if (!curlInstalled) console.warn('curl-example.test.ts: skipped because the curl binary is not installed');

const SPEC_URL = 'http://localhost:4000/api/agentkit/track_confusion';

describe.skipIf(!curlInstalled)('the specification’s curl example for track_confusion', () => {
  let t: TestApp;
  let command: string;

  beforeAll(async () => {
    // After the example's 2025 timestamp, so its ping is outside the spike window.
    t = await buildTestApp();
    t.clock.set('2026-11-25T15:00:00.000Z');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const example = specTrackConfusionCurl();
    expect(example).toContain(SPEC_URL);
    command = `${example.replace(SPEC_URL, `http://127.0.0.1:${port}/api/agentkit/track_confusion`)} -H "Authorization: Bearer ${TEST_SECRET}"`;
  });
  afterAll(() => t?.close());

  async function runExample(): Promise<unknown> {
    // A proxy configured in the environment must not intercept a request to the loopback server.
    const env = { ...process.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' };
    const { stdout } = await run('bash', ['-c', command], { timeout: 10_000, env });
    return JSON.parse(stdout);
  }

  it('is answered as the contract says', async () => {
    expect(await runExample()).toStrictEqual({
      success: true,
      threshold_exceeded: false,
      current_percentage: 0,
      confused_students: 0,
      active_students: 1,
      duplicate: false,
    });
    const { rows } = await t.pool.query(
      'SELECT course_id, user_id, slide_id, occurred_at FROM confusion_events WHERE course_id = $1',
      ['test_course'],
    );
    expect(rows).toStrictEqual([
      {
        course_id: 'test_course',
        user_id: 'test_user',
        slide_id: 'slide_1',
        occurred_at: new Date('2025-01-15T10:30:00Z'),
      },
    ]);
  });

  it('is a duplicate when run again', async () => {
    expect(await runExample()).toStrictEqual({
      success: true,
      threshold_exceeded: false,
      current_percentage: 0,
      confused_students: 0,
      active_students: 1,
      duplicate: true,
    });
    const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM confusion_events WHERE course_id = $1', [
      'test_course',
    ]);
    expect(rows[0]?.n).toBe(1);
  });
});
