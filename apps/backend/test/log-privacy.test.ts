import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';

describe('request log lines', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('name the route, not a path holding a token (export links)', async () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.secret-looking-token-123.signature';
    const response = await t.app.inject({ method: 'GET', url: `/api/exports/${token}` });
    expect(response.statusCode).toBe(401);
    const lines = t.logs.filter((line) => line.includes('"msg":"request"'));
    expect(lines.some((line) => line.includes('/api/exports/:token'))).toBe(true);
    expect(t.logs.join('\n')).not.toContain('secret-looking-token-123');
  });
});
