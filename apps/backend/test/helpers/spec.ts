/** Reads the specification (../shared/spec) so tests compare against its text, not against a copy of it. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const SPEC = path.resolve(ROOT, '..', 'shared', 'spec', 'class-assist-integration-guide.md');

export function specText(): string {
  return readFileSync(SPEC, 'utf8');
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
