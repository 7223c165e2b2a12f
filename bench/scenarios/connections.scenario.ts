/**
 * Connections: many concurrent `GET /api/live` streams on one freshly started instance (spread over several load
 * processes); the server's resident memory with all of them open, and how long a few pings take to reach every one
 * of them (from each ping's acknowledgement to the last stream's `course.changed`). The baseline is the bare server
 * with the same number of streams.
 */
import path from 'node:path';
import { type BenchContext, bearer, type Scenario } from '../lib/context.js';
import { readMemory } from '../lib/processes.js';
import { createCourse } from '../lib/seed.js';
import { type RunningServer, startBaseline, startClassAssist } from '../lib/servers.js';
import { firstAtOrAfter, MB } from '../lib/stats.js';
import { startWorker, type WorkerHandle } from '../lib/workers.js';
import type { PaceResult } from '../load/http.worker.js';
import type { SseClientSpec, SseConfig, SseReady, SseReport } from '../load/sse.worker.js';

const COURSE = 'bench-conn';
const SPIKES = 3;

async function measure(ctx: BenchContext, server: RunningServer, classAssist: boolean) {
  const total = ctx.sizes.connections;
  const per = Math.ceil(total / ctx.sizes.connectionWorkers);
  const workers: WorkerHandle[] = [];
  try {
    for (let first = 0; first < total; first += per) {
      const clients: SseClientSpec[] = Array.from({ length: Math.min(per, total - first) }, (_, n) => ({
        userId: `${COURSE}-s${first + n}`,
        role: 'student',
        record: true,
      }));
      const config: SseConfig = {
        baseUrl: server.url,
        livePath: classAssist ? '/api/live' : '/live',
        courseId: COURSE,
        clients,
        sessionSecret: classAssist ? ctx.secrets.agentkit : undefined,
        concurrency: 16,
      };
      workers.push(startWorker('sse', config));
    }
    const ready = await Promise.all(workers.map((worker) => worker.next<SseReady>('ready', 900_000)));
    const connected = ready.reduce((sum, one) => sum + one.connected, 0);
    if (connected < total) {
      throw new Error(`${connected}/${total} streams connected (${ready.find((one) => one.firstError)?.firstError})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const rssConnected = readMemory(server.pid)?.rss ?? 0;
    const pinger = startWorker('http', {
      mode: 'pace',
      baseUrl: server.url,
      headers: classAssist ? bearer(ctx) : {},
      path: classAssist ? '/api/agentkit/track_confusion' : '/ping-notify',
      ratePerSec: 0.5,
      durationSec: SPIKES * 2,
      maxInFlight: 1,
      ping: { courseId: COURSE, studentPrefix: `${COURSE}-s`, students: total, slides: 30 },
    });
    const pings = await pinger.next<PaceResult>('result', 120_000).finally(() => pinger.stop());
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    for (const worker of workers) worker.send({ type: 'report' });
    const reports = await Promise.all(workers.map((worker) => worker.next<SseReport>('result', 120_000)));
    const receipts = reports.flatMap((report) => report.receipts.map((times) => [...times].sort((a, b) => a - b)));
    // The pings are seconds apart and nothing else changes the course, so the first event after a ping's send is
    // that ping's (it may even overtake the ack: counted as 0).
    const reach = pings.stored.map(([sentAt, ackAt]) => {
      let last = 0;
      let unreached = 0;
      for (const times of receipts) {
        const first = firstAtOrAfter(times, sentAt);
        if (first === undefined) unreached += 1;
        else last = Math.max(last, first - ackAt);
      }
      return { allReachedMs: last, unreached };
    });
    const memory = readMemory(server.pid);
    return {
      connected,
      rssConnected,
      peakRss: memory?.hwm ?? rssConnected,
      reach,
      worstReachMs: reach.length > 0 ? Math.max(...reach.map((one) => one.allReachedMs)) : undefined,
      unreached: reach.reduce((sum, one) => sum + one.unreached, 0),
      dropped: reports.reduce((sum, report) => sum + report.dropped, 0),
      sessionsMs: Math.max(...ready.map((one) => one.sessionsMs)),
      connectMs: Math.max(...ready.map((one) => one.connectMs)),
      pingFailures: pings.failures,
      firstFailure: pings.firstFailure,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}

export const connectionsScenario: Scenario = {
  id: 'connections',
  title: 'Connections',
  async run(ctx) {
    const total = ctx.sizes.connections;
    await createCourse(ctx.db.url, {
      courseId: COURSE,
      studentPrefix: `${COURSE}-s`,
      students: total,
      instructors: 0,
      slides: 30,
    });
    ctx.progress(`connections: baseline, ${total} SSE clients over ${ctx.sizes.connectionWorkers} load processes`);
    const baselineServer = await startBaseline(ctx.db.url);
    const baseline = await measure(ctx, baselineServer, false).finally(() => baselineServer.stop());
    ctx.progress(`connections: class assist (fresh instance), ${total} SSE clients`);
    const server = await startClassAssist({
      databaseUrl: ctx.db.url,
      secrets: ctx.secrets,
      dataDir: path.join(ctx.scratch, 'server-data'),
      cpuProfileDir: ctx.cpuProfileDir,
      label: 'connections',
    });
    const classAssist = await measure(ctx, server, true).finally(() => server.stop());
    const clients = total.toLocaleString('en-US');
    const note = classAssist.unreached > 0 ? `${classAssist.unreached} stream-pings never reached` : undefined;
    return {
      rows: [
        {
          scenario: 'Connections',
          figure: `server RSS, ${clients} SSE clients`,
          value: classAssist.peakRss / MB,
          baseline: baseline.peakRss / MB,
          unit: 'MB',
          targetOn: 'value',
          target: { comparison: 'atMost', limit: 1024 },
        },
        {
          scenario: 'Connections',
          figure: `ping → all ${clients} clients (worst of ${classAssist.reach.length})`,
          value: classAssist.worstReachMs,
          baseline: baseline.worstReachMs,
          unit: 'ms',
          targetOn: 'value',
          target: { comparison: 'atMost', limit: 1000 },
          note,
        },
      ],
      details: { clients: total, loadProcesses: ctx.sizes.connectionWorkers, classAssist, baseline },
    };
  },
};
