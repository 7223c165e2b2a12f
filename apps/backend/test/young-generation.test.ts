// The young-generation cap that main.ts applies first (young-generation.ts): when the process restarts itself in place,
// and when it must not.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SEMI_SPACE_MB, youngGenerationArgs } from '../src/young-generation.js';
import { collectOutput } from './helpers/process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CHILD = path.join(ROOT, 'apps/backend/test/fixtures/young-generation-child.ts');
const CAP = `--max-semi-space-size=${SEMI_SPACE_MB}`;

interface ChildReport {
  pid: number;
  execArgv: string[];
  args: string[];
}

interface ChildOptions {
  env?: NodeJS.ProcessEnv;
  ipc?: boolean;
  nodeFlags?: string[];
}

/** Runs the fixture with tsx; resolves with its report and its pid as spawned. */
function runChild({ env = {}, ipc = false, nodeFlags = [] }: ChildOptions = {}) {
  const args = [...nodeFlags, '--import', 'tsx', CHILD, 'two words', '--not-a-node-flag'];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  return new Promise<{ report: ChildReport; spawnedPid: number }>((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`exited with ${code}: ${output.stderr()}`));
      else resolve({ report: JSON.parse(output.stdout()), spawnedPid: child.pid ?? 0 });
    });
  });
}

describe('youngGenerationArgs', () => {
  it('adds the cap in front of the node arguments given', () => {
    expect(youngGenerationArgs(['--import', 'tsx'], undefined)).toEqual([CAP, '--import', 'tsx']);
    expect(youngGenerationArgs([], '--max-old-space-size=512')).toEqual([CAP]);
  });

  it("leaves an operator's own heap sizing alone, on the command line or in NODE_OPTIONS", () => {
    expect(youngGenerationArgs(['--max-semi-space-size=16'], undefined)).toBeUndefined();
    expect(youngGenerationArgs(['--max_semi_space_size', '16'], undefined)).toBeUndefined();
    expect(youngGenerationArgs([], '--inspect --max-semi-space-size=32')).toBeUndefined();
    expect(youngGenerationArgs([], '--max-heap-size=512')).toBeUndefined();
  });
});

describe.skipIf(typeof process.execve !== 'function')('capYoungGeneration', () => {
  it('restarts the process in place: same pid, its node flags and arguments kept, the cap added', async () => {
    const { report, spawnedPid } = await runChild();
    expect(report.pid).toBe(spawnedPid);
    expect(report.execArgv).toEqual([CAP, '--import', 'tsx']);
    expect(report.args).toEqual(['two words', '--not-a-node-flag']);
  });

  it('keeps the size the operator set in NODE_OPTIONS', async () => {
    const { report } = await runChild({ env: { NODE_OPTIONS: '--max-semi-space-size=16' } });
    expect(report.execArgv).toEqual(['--import', 'tsx']);
  });

  it('does not restart a process with an IPC channel to its parent', async () => {
    const { report } = await runChild({ ipc: true });
    expect(report.execArgv).toEqual(['--import', 'tsx']);
  });

  it("does not restart a process with a debugger's inspector open", async () => {
    const { report } = await runChild({ nodeFlags: ['--inspect=127.0.0.1:0'] });
    expect(report.execArgv).toEqual(['--inspect=127.0.0.1:0', '--import', 'tsx']);
  });
});
