/**
 * Starting the servers under test as child processes on 127.0.0.1: Class Assist in production mode (its production
 * build when `apps/backend/dist/main.js` exists, else its TypeScript sources through tsx) and the baseline server.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../apps/backend/src/db/embedded-postgres.js';
import { readMemory, startProcess, stopProcess } from './processes.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST_MAIN = path.join(ROOT, 'apps', 'backend', 'dist', 'main.js');
const SOURCE_MAIN = path.join(ROOT, 'apps', 'backend', 'src', 'main.ts');

/** Variables that would change what the server does (a model, Redis, hosted ChatKit) are not passed on. */
const WITHHELD = ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'REDIS_URL', 'CHATKIT_WORKFLOW_ID', 'CHATKIT_DOMAIN_KEY'];

export interface RunningServer {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
  /** Milliseconds from spawn to the first 200 of GET /healthz. */
  readyMs: number;
  /** How it was started, e.g. `node apps/backend/dist/main.js`. */
  command: string;
  stop(): Promise<void>;
}

export interface Secrets {
  agentkit: string;
  session: string;
}

export function generateSecrets(): Secrets {
  return { agentkit: randomBytes(32).toString('hex'), session: randomBytes(32).toString('hex') };
}

/** The environment of a child: ours without the withheld variables, plus `extra`. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of WITHHELD) delete env[name];
  return { ...env, ...extra };
}

interface Entry {
  args: string[];
  command: string;
}

const DIST_ENTRY: Entry = { args: [DIST_MAIN], command: 'node apps/backend/dist/main.js' };
const SOURCE_ENTRY: Entry = {
  args: ['--import', 'tsx', SOURCE_MAIN],
  command: 'node --import tsx apps/backend/src/main.ts',
};

/** The production build once it has started successfully in this run; the sources when it is absent or broken. */
let chosenEntry: Entry | undefined;

/** Node flags that write a V8 CPU profile into `dir` when the process exits (it must exit gracefully). */
function profileArgs(dir: string | undefined, label: string): string[] {
  if (!dir) return [];
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${label}-${Date.now()}.cpuprofile`];
}

/** Starts Class Assist with NODE_ENV=production on a free port of 127.0.0.1 and waits for GET /healthz. */
export async function startClassAssist(options: {
  databaseUrl: string;
  secrets: Secrets;
  dataDir: string;
  /** Write a CPU profile of the server here (bench --profile). */
  cpuProfileDir?: string | undefined;
  /** Names the profile: the scenario that started the server. */
  label?: string;
  env?: Record<string, string>;
}): Promise<RunningServer> {
  const port = await freePort();
  const env = childEnv({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: options.databaseUrl,
    AGENTKIT_SECRET: options.secrets.agentkit,
    SESSION_SECRET: options.secrets.session,
    DATA_DIR: options.dataDir,
    LOG_LEVEL: 'warn',
    RATE_LIMIT: 'off',
    ...options.env,
  });
  const profile = profileArgs(options.cpuProfileDir, `class-assist-${options.label ?? 'shared'}`);
  const start = (entry: Entry) =>
    launch('class-assist', process.execPath, [...profile, ...entry.args], env, port, entry.command);
  if (chosenEntry) return start(chosenEntry);
  if (existsSync(DIST_MAIN)) {
    try {
      const server = await start(DIST_ENTRY);
      chosenEntry = DIST_ENTRY;
      return server;
    } catch (err) {
      // A build that is missing a piece (another package's dist being rebuilt) should not stop the benchmark.
      const reason = (err as Error).message.split('\n').slice(0, 2).join(' ');
      process.stderr.write(`[bench] the production build did not start (${reason}); using the sources\n`);
    }
  }
  chosenEntry = SOURCE_ENTRY;
  return start(SOURCE_ENTRY);
}

/** Starts bench/baseline-server.ts (bare Fastify + pg) on a free port of 127.0.0.1. */
export async function startBaseline(databaseUrl: string): Promise<RunningServer> {
  const port = await freePort();
  const script = path.join(ROOT, 'bench', 'baseline-server.ts');
  const env = childEnv({ DATABASE_URL: databaseUrl, PORT: String(port), NODE_ENV: 'production' });
  return launch('baseline', process.execPath, ['--import', 'tsx', script], env, port, 'bench/baseline-server.ts');
}

/** Spawns a server, echoes its output with a prefix, and waits until GET /healthz answers 200. */
export async function launch(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  description: string,
  timeoutMs = 60_000,
): Promise<RunningServer> {
  const started = performance.now();
  const child = startProcess(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}] ${line}\n`);
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const readyMs = await waitForHealth(url, child, timeoutMs, started).catch(async (err: Error) => {
    await stopProcess(child);
    throw new Error(`${name} did not start: ${err.message}\n${tail.slice(-15).join('\n')}`);
  });
  return {
    name,
    url,
    pid: child.pid ?? 0,
    child,
    readyMs,
    command: description,
    stop: () => stopProcess(child, 'SIGTERM', 10_000),
  };
}

/** Polls GET /healthz every 25 ms; resolves with the milliseconds since `started` at the first 200. */
export async function waitForHealth(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  started = performance.now(),
): Promise<number> {
  while (performance.now() - started < timeoutMs) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited with ${child.exitCode ?? child.signalCode}`);
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no 200 from ${url}/healthz within ${timeoutMs} ms`);
}

/** Current resident memory of a server in bytes (0 when it is gone). */
export function rssOf(server: RunningServer): number {
  return readMemory(server.pid)?.rss ?? 0;
}
