/** Runs Class Assist as `npm start` does, in a child process, for tests of starting and stopping. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asRuntimeRole } from './database.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface ServerProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/**
 * Starts Class Assist from the repository root with `env` on top of a clean environment: `tsx
 * apps/backend/src/main.ts` as `npm start` does, or with `from: 'build'` the production build, `node
 * apps/backend/dist/main.js` (run `npm run build` first).
 */
export function startServer(env: Record<string, string>, from: 'source' | 'build' = 'source'): ServerProcess {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(DATABASE_URL|TEST_DATABASE_URL|AGENTKIT_SECRET|SESSION_SECRET|PORT|DATA_DIR|NODE_ENV)$/.test(key),
    ),
  );
  // A server pointed at the suite's PostgreSQL logs in as the runtime role the suite made (the server would otherwise
  // set that role's password from its own SESSION_SECRET, under every other test file's feet).
  if (env.DATABASE_URL && !env.DATABASE_RUNTIME_URL)
    env = { ...env, DATABASE_RUNTIME_URL: asRuntimeRole(env.DATABASE_URL) };
  const args = from === 'build' ? ['apps/backend/dist/main.js'] : ['--import', 'tsx', 'apps/backend/src/main.ts'];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...inherited, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ...collectOutput(child), exited };
}

/** What a child process writes to stdout and stderr, so far. */
export function collectOutput(child: ChildProcess): { stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    err += chunk;
  });
  return { stdout: () => out, stderr: () => err };
}

/** Waits until `predicate` holds, polling every 100 ms, or fails after `ms`. */
export async function waitFor(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export { freePort } from '../../src/db/embedded-postgres.js';
