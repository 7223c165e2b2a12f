import { FUNCTION_NAMES } from '@class-assist/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { specFunctionDefinitions } from './helpers/spec.js';

describe('GET /api/agentkit/functions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('serves the nine definitions exactly as the specification writes them', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/agentkit/functions' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual(specFunctionDefinitions());
    expect(response.json().functions.map((fn: { name: string }) => fn.name)).toStrictEqual([...FUNCTION_NAMES]);
  });

  it('describes every function in the OpenAPI document at /docs', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const paths = Object.keys(response.json().paths);
    for (const name of FUNCTION_NAMES) expect(paths).toContain(`/api/agentkit/${name}`);
  });
});
