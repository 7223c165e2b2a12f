import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createDb, createPool } from '../src/db/pool.js';
import { TEST_SECRET } from './helpers/app.js';

// A server whose database cannot be reached (nothing listens on port 1) must say so, quickly, and never answer 500.
describe('with the database unreachable', () => {
  const log = pino({ level: 'silent' });
  const pool = createPool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', max: 2, log });
  const db = createDb(pool);
  let app: Awaited<ReturnType<typeof buildApp>>;
  beforeAll(async () => {
    const config = loadConfig({ NODE_ENV: 'test', AGENTKIT_SECRET: TEST_SECRET, SESSION_SECRET: TEST_SECRET });
    app = await buildApp({ config, pool, db, log });
  });
  afterAll(async () => {
    await app.close();
    await db.destroy();
  });

  it('is alive but not ready', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.headers['retry-after']).toBe('5');
    expect(ready.json().error).toBe('unavailable');
  });

  it.each([
    ['track_confusion', { user_id: 'u', course_id: 'c' }],
    ['submit_question', { user_id: 'u', course_id: 'c', question_body: 'Why?' }],
    ['fetch_notes', { user_id: 'u', course_id: 'c' }],
    ['get_confusion_heatmap', { course_id: 'c' }],
    ['export_confusion_data', { course_id: 'c' }],
  ])('%s answers 503 with Retry-After and acknowledges nothing', async (name, body) => {
    const response = await app.inject({
      method: 'POST',
      url: `/api/agentkit/${name}`,
      headers: { authorization: `Bearer ${TEST_SECRET}`, 'content-type': 'application/json' },
      payload: body,
    });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toMatchObject({ error: 'unavailable' });
  });
});
