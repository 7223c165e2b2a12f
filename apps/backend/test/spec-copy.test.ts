import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO_SPEC, SHARED_SPEC } from './helpers/spec.js';

describe('docs/spec', () => {
  it.skipIf(!existsSync(SHARED_SPEC))('is the same text as the shared specification', () => {
    expect(readFileSync(REPO_SPEC, 'utf8')).toBe(readFileSync(SHARED_SPEC, 'utf8'));
  });
});
