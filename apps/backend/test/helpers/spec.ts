/**
 * Reads the specification so tests compare against its text, not against a copy of our own making. The shared copy
 * (`../shared/spec`, present on every development machine and in CI) is preferred; `docs/spec` holds the same text
 * for a clone that stands alone, and `spec-copy.test.ts` fails when the two drift apart.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const SHARED_SPEC = path.resolve(ROOT, '..', 'shared', 'spec', 'class-assist-integration-guide.md');
export const REPO_SPEC = path.resolve(ROOT, 'docs', 'spec', 'class-assist-integration-guide.md');

export function specText(): string {
  return readFileSync(existsSync(SHARED_SPEC) ? SHARED_SPEC : REPO_SPEC, 'utf8');
}

/** The JSON block under "Function Definitions for AgentKit". */
export function specFunctionDefinitions(): {
  functions: Array<{ name: string; description: string; parameters: unknown }>;
} {
  const match = /#### Function Definitions for AgentKit[\s\S]*?```json\n([\s\S]*?)```/.exec(specText());
  if (!match?.[1]) throw new Error('function definitions not found in the specification');
  return JSON.parse(match[1]);
}

/** The curl command of "Test confusion tracking", as written. */
export function specTrackConfusionCurl(): string {
  const match = /# Test confusion tracking\n(curl[\s\S]*?)\n```/.exec(specText());
  if (!match?.[1]) throw new Error('track_confusion curl example not found in the specification');
  return match[1];
}
