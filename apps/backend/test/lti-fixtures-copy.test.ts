import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_LTI_FIXTURES, SHARED_LTI_FIXTURES } from './helpers/lti-platform.js';

function files(root: string, dir = root): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(root, full) : [path.relative(root, full)];
  });
}

describe('apps/backend/test/fixtures/lti-certification', () => {
  it.skipIf(!existsSync(SHARED_LTI_FIXTURES))('holds the same payloads as the shared fixtures', () => {
    const shared = files(SHARED_LTI_FIXTURES).sort();
    expect(
      files(REPO_LTI_FIXTURES)
        .filter((file) => file !== 'README.md')
        .sort(),
    ).toStrictEqual(shared);
    for (const file of shared) {
      expect(readFileSync(path.join(REPO_LTI_FIXTURES, file), 'utf8'), file).toBe(
        readFileSync(path.join(SHARED_LTI_FIXTURES, file), 'utf8'),
      );
    }
  });
});
