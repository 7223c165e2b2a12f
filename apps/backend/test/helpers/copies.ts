/**
 * The repository keeps copies of outside material (the specification, the ChatKit widget fixtures, the LTI
 * certification payloads) so a clone stands alone. `copies.sha256.json` records each copied file's SHA-256 as taken
 * from its source: a fresh clone checks its copies against the record, a machine with `../shared` also checks the
 * source against it, so neither side can drift unnoticed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const SHARED = path.resolve(ROOT, '..', 'shared');
export const MANIFEST = path.join(ROOT, 'apps/backend/test/fixtures/copies.sha256.json');

/**
 * A copied tree: where it is in the repository, where it comes from under `../shared`, files the copy adds of its own
 * and files of the source it does not copy.
 */
export interface CopiedTree {
  repo: string;
  shared: string;
  own?: string[];
  notCopied?: string[];
}

export const COPIES: Record<string, CopiedTree> = {
  // ../shared/spec/README.md is kept as docs/spec/CHANGES.md with a line saying where it comes from.
  spec: { repo: 'docs/spec', shared: 'spec', own: ['CHANGES.md'], notCopied: ['README.md'] },
  'chatkit-widgets': {
    repo: 'apps/backend/test/fixtures/chatkit-widgets',
    shared: 'fixtures/chatkit-widgets',
    own: ['README.md'],
  },
  'lti-certification': {
    repo: 'apps/backend/test/fixtures/lti-certification',
    shared: 'fixtures/lti-certification',
    own: ['README.md'],
  },
};

/** Relative path → SHA-256 of every file under `dir`, sorted by path; `skip` names files left out. */
export function hashTree(dir: string, skip: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      const full = path.join(current, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const relative = path.relative(dir, full).split(path.sep).join('/');
        if (!skip.includes(relative)) out[relative] = createHash('sha256').update(readFileSync(full)).digest('hex');
      }
    }
  };
  walk(dir);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** The shared source of a copy, when this machine has it (a fresh clone in CI does not). */
export function sharedSource(copy: CopiedTree): string | undefined {
  const dir = path.join(SHARED, copy.shared);
  return existsSync(dir) ? dir : undefined;
}
