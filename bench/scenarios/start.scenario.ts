/**
 * Start: `npm start` exactly as a user runs it (development mode, embedded PostgreSQL, DATA_DIR in a scratch folder):
 * time from spawn to the first 200 of GET /healthz, first with an empty DATA_DIR (initdb, migrations, demo seed),
 * then again with the data directory it left. Baselines: the embedded PostgreSQL's own initdb-and-start (first start)
 * and the bare baseline server's start (later starts), both measured in this run.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../apps/backend/src/db/embedded-postgres.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { exitOf, startProcess, stopProcess } from '../lib/processes.js';
import { childEnv, ROOT, waitForHealth } from '../lib/servers.js';
import { percentile } from '../lib/stats.js';

async function startOnce(dataDir: string): Promise<number> {
  const port = await freePort();
  const env = childEnv({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  for (const name of ['NODE_ENV', 'DATABASE_URL', 'AGENTKIT_SECRET', 'SESSION_SECRET', 'PUBLIC_URL']) delete env[name];
  const child = startProcess('npm', ['start', '--silent'], { cwd: ROOT, env, stdio: 'ignore' });
  try {
    return await waitForHealth(`http://127.0.0.1:${port}`, child, 120_000);
  } finally {
    // Ctrl-C, as a user would: the server stops its PostgreSQL on the way out.
    await stopProcess(child, 'SIGINT', 30_000);
    await exitOf(child);
    stopOrphanPostgres(dataDir);
  }
}

/** A PostgreSQL left behind by a server that had to be killed: ended by the pid it wrote in its data folder. */
function stopOrphanPostgres(dataDir: string): void {
  const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    // already stopped
  }
}

export const startScenario: Scenario = {
  id: 'start',
  title: 'Start',
  async run(ctx: BenchContext) {
    const dataDir = path.join(ctx.scratch, 'start-data');
    ctx.progress('start: npm start with an empty DATA_DIR');
    const first = await startOnce(dataDir);
    const warm: number[] = [];
    for (let run = 0; run < ctx.sizes.warmStarts; run += 1) {
      ctx.progress(`start: npm start with the existing DATA_DIR (${run + 1}/${ctx.sizes.warmStarts})`);
      warm.push(await startOnce(dataDir));
    }
    const embedded = ctx.db.source.startsWith('embedded');
    return {
      rows: [
        {
          scenario: 'Start',
          figure: 'npm start, existing DATA_DIR → healthz 200',
          value: percentile(warm, 0.5) / 1000,
          baseline: ctx.baseline.readyMs / 1000,
          unit: 's',
          targetOn: 'value',
          target: { comparison: 'atMost', limit: 3 },
          note: warm.length > 1 ? `median of ${warm.length}` : undefined,
        },
        {
          scenario: 'Start',
          figure: 'npm start, empty DATA_DIR → healthz 200',
          value: first / 1000,
          baseline: embedded ? ctx.db.startMs / 1000 : undefined,
          unit: 's',
          targetOn: 'value',
          target: { comparison: 'atMost', limit: 30 },
        },
      ],
      details: {
        firstMs: first,
        warmMs: warm,
        baselineServerReadyMs: ctx.baseline.readyMs,
        embeddedPostgresMs: ctx.db.startMs,
      },
    };
  },
};
