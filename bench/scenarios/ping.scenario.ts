/**
 * Ping throughput: closed-loop load on `POST /api/agentkit/track_confusion` (auth, validation, dedupe, spike check,
 * live notification) against the baseline's `POST /ping` (one INSERT), same database, same run, same load.
 */

import { type BenchContext, bearer, type Scenario } from '../lib/context.js';
import { cpuSeconds, sampleDatabaseWaits } from '../lib/diagnostics.js';
import { createCourse } from '../lib/seed.js';
import type { RunningServer } from '../lib/servers.js';
import { startWorker } from '../lib/workers.js';
import type { AutocannonConfig, AutocannonSummary } from '../load/autocannon.worker.js';
import type { PingSpec } from '../load/worker-io.js';

const COURSE = { courseId: 'bench-ping', studentPrefix: 'bench-ping-s', students: 2_000, instructors: 1, slides: 30 };

async function load(config: AutocannonConfig): Promise<AutocannonSummary> {
  const worker = startWorker('autocannon', config);
  try {
    return await worker.next<AutocannonSummary>('result', (config.durationSec + 60) * 1000);
  } finally {
    await worker.stop();
  }
}

/** Warm-up, then the measured run, with the server's CPU time and the database sessions' waits during it. */
async function measure(ctx: BenchContext, server: RunningServer, path: string, headers: Record<string, string>) {
  const ping: PingSpec = { ...COURSE };
  const base = { url: server.url, path, headers, connections: ctx.sizes.pingConnections, ping };
  await load({ ...base, durationSec: ctx.sizes.pingWarmupSeconds });
  const cpuBefore = cpuSeconds(server.pid);
  const waits = sampleDatabaseWaits(ctx.db.url);
  try {
    const summary = await load({ ...base, durationSec: ctx.sizes.pingSeconds });
    const serverCpuShare = (cpuSeconds(server.pid) - cpuBefore) / ctx.sizes.pingSeconds;
    return { ...summary, serverCpuShare, databaseSessions: await waits.stop() };
  } finally {
    await waits.stop();
  }
}

export const pingScenario: Scenario = {
  id: 'ping',
  title: 'Ping throughput',
  async run(ctx) {
    await createCourse(ctx.db.url, COURSE);
    ctx.progress(`ping: baseline, ${ctx.sizes.pingConnections} connections, ${ctx.sizes.pingSeconds} s`);
    const baseline = await measure(ctx, ctx.baseline, '/ping', {});
    ctx.progress(`ping: class assist, ${ctx.sizes.pingConnections} connections, ${ctx.sizes.pingSeconds} s`);
    const classAssist = await measure(ctx, ctx.classAssist, '/api/agentkit/track_confusion', bearer(ctx));
    const note =
      classAssist.non2xx + classAssist.errors > 0
        ? `${classAssist.non2xx} non-2xx, ${classAssist.errors} errors`
        : undefined;
    return {
      rows: [
        {
          scenario: 'Ping throughput',
          figure: 'track_confusion requests/s (2xx)',
          value: classAssist.requestsPerSec,
          baseline: baseline.requestsPerSec,
          unit: 'req/s',
          targetOn: 'ratio',
          target: { comparison: 'atLeast', limit: 1.0 },
          note,
        },
        {
          scenario: 'Ping throughput',
          figure: 'track_confusion p99 latency',
          value: classAssist.p99,
          baseline: baseline.p99,
          unit: 'ms',
          targetOn: 'ratio',
          target: { comparison: 'atMost', limit: 1.5 },
        },
      ],
      details: {
        course: COURSE,
        connections: ctx.sizes.pingConnections,
        seconds: ctx.sizes.pingSeconds,
        classAssist,
        baseline,
      },
    };
  },
};
