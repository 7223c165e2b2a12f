import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COPIES, hashTree, MANIFEST, ROOT, sharedSource } from './helpers/copies.js';

const manifest: Record<string, Record<string, string>> = (await import(MANIFEST, { with: { type: 'json' } })).default;

describe.each(Object.entries(COPIES))('the repository copy of %s', (name, copy) => {
  it('is the material recorded in copies.sha256.json, file for file', () => {
    expect(hashTree(path.join(ROOT, copy.repo), copy.own ?? [])).toStrictEqual(manifest[name]);
    expect(Object.keys(manifest[name] ?? {}).length).toBeGreaterThan(0);
  });

  // Runs where ../shared exists (development machines); a fresh clone has checked its copy against the record above.
  const source = sharedSource(copy);
  it.runIf(source !== undefined)('matches its source under ../shared', () => {
    expect(hashTree(source as string, copy.notCopied ?? [])).toStrictEqual(manifest[name]);
  });
});
