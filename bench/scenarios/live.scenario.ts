/**
 * Live latency: students' and instructors' pages hold `GET /api/live` open while pings arrive at a steady rate; for
 * each stored ping and each instructor, the time from the ping's acknowledgement (its 200) to the first
 * `course.changed` the instructor receives after it. The baseline is the bare server relaying NOTIFY to SSE at once.
 */

import { type BenchContext, bearer, type Scenario } from '../lib/context.js';
import type { Row } from '../lib/report.js';
import { createCourse } from '../lib/seed.js';
import { firstAtOrAfter, percentile } from '../lib/stats.js';
import { startWorker } from '../lib/workers.js';
import type { PaceResult } from '../load/http.worker.js';
import type { SseClientSpec, SseConfig, SseReady, SseReport } from '../load/sse.worker.js';

/**
 * Events carry no ping id, so which event delivered a ping is bounded, not known: the ping committed between its send
 * and its ack. Upper bound (reported): ack → first event received after the ack (an event of this ping that overtook
 * the ack is not credited to it). Lower bound (details): ack → first event received after the send, at least 0 (an
 * event of an earlier ping may be credited to it). `missed` counts pairs with no event after the ack.
 */
export function deliveryLatencies(pings: ReadonlyArray<readonly [number, number]>, receipts: readonly number[][]) {
  const upper: number[] = [];
  const lower: number[] = [];
  let missed = 0;
  for (const times of receipts) {
    const sorted = [...times].sort((a, b) => a - b);
    for (const [sentAt, ackAt] of pings) {
      const afterAck = firstAtOrAfter(sorted, ackAt);
      const afterSend = firstAtOrAfter(sorted, sentAt);
      if (afterAck === undefined) missed += 1;
      else upper.push(afterAck - ackAt);
      if (afterSend !== undefined) lower.push(Math.max(0, afterSend - ackAt));
    }
  }
  return { upper, lower, missed };
}

interface Target {
  baseUrl: string;
  livePath: string;
  pingPath: string;
  headers: Record<string, string>;
  sessionSecret?: string;
}

async function measure(ctx: BenchContext, target: Target, courseId: string) {
  const { liveStudents, liveInstructors } = ctx.sizes;
  const clients: SseClientSpec[] = [
    ...Array.from({ length: liveStudents }, (_, n) => ({
      userId: `${courseId}-s${n}`,
      role: 'student' as const,
      record: false,
    })),
    ...Array.from({ length: liveInstructors }, (_, n) => ({
      userId: `${courseId}-instructor-${n}`,
      role: 'instructor' as const,
      record: true,
    })),
  ];
  const sseConfig: SseConfig = {
    baseUrl: target.baseUrl,
    livePath: target.livePath,
    courseId,
    clients,
    sessionSecret: target.sessionSecret,
    concurrency: 16,
  };
  const sse = startWorker('sse', sseConfig);
  try {
    const ready = await sse.next<SseReady>('ready', 300_000);
    if (ready.connected < clients.length) {
      throw new Error(`${ready.connected}/${clients.length} live streams connected (${ready.firstError})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const pinger = startWorker('http', {
      mode: 'pace',
      baseUrl: target.baseUrl,
      headers: target.headers,
      path: target.pingPath,
      ratePerSec: ctx.sizes.livePingsPerSec,
      durationSec: ctx.sizes.liveSeconds,
      maxInFlight: 256,
      ping: { courseId, studentPrefix: `${courseId}-s`, students: liveStudents, slides: 30 },
    });
    const pings = await pinger.next<PaceResult>('result', (ctx.sizes.liveSeconds + 120) * 1000);
    await pinger.stop();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    sse.send({ type: 'report' });
    const report = await sse.next<SseReport>('result', 60_000);
    const { upper, lower, missed } = deliveryLatencies(pings.stored, report.receipts);
    return {
      p50: percentile(upper, 0.5),
      p95: percentile(upper, 0.95),
      p99: percentile(upper, 0.99),
      max: percentile(upper, 1),
      lowerBound: { p50: percentile(lower, 0.5), p95: percentile(lower, 0.95), p99: percentile(lower, 0.99) },
      missed,
      pairs: upper.length + missed,
      acknowledgedPerSec: pings.latencies.length / ctx.sizes.liveSeconds,
      sent: pings.sent,
      skipped: pings.skipped,
      failures: pings.failures,
      firstFailure: pings.firstFailure,
      stored: pings.stored.length,
      duplicates: pings.duplicates,
      pingP99: percentile(pings.latencies, 0.99),
      dropped: report.dropped,
      sessionsMs: ready.sessionsMs,
      connectMs: ready.connectMs,
    };
  } finally {
    await sse.stop();
  }
}

export const liveScenario: Scenario = {
  id: 'live',
  title: 'Live latency',
  async run(ctx) {
    const courseId = 'bench-live';
    await createCourse(ctx.db.url, {
      courseId,
      studentPrefix: `${courseId}-s`,
      students: ctx.sizes.liveStudents,
      instructors: 0,
      slides: 30,
    });
    const clients = ctx.sizes.liveStudents + ctx.sizes.liveInstructors;
    ctx.progress(`live: baseline, ${clients} SSE clients, ${ctx.sizes.livePingsPerSec} pings/s`);
    const baseline = await measure(
      ctx,
      { baseUrl: ctx.baseline.url, livePath: '/live', pingPath: '/ping-notify', headers: {} },
      courseId,
    );
    ctx.progress(`live: class assist, ${clients} SSE clients, ${ctx.sizes.livePingsPerSec} pings/s`);
    const classAssist = await measure(
      ctx,
      {
        baseUrl: ctx.classAssist.url,
        livePath: '/api/live',
        pingPath: '/api/agentkit/track_confusion',
        headers: bearer(ctx),
        sessionSecret: ctx.secrets.agentkit,
      },
      courseId,
    );
    const note = `${classAssist.stored} stored pings × ${ctx.sizes.liveInstructors} instructors; events coalesced 50 ms`;
    const problems =
      classAssist.missed + classAssist.failures + classAssist.skipped > 0
        ? `; ${classAssist.missed} never delivered, ${classAssist.failures} failed and ${classAssist.skipped} skipped pings`
        : '';
    const row = (figure: string, value: number, base: number, limit: number, rowNote?: string): Row => ({
      scenario: 'Live latency',
      figure,
      value,
      baseline: base,
      unit: 'ms',
      targetOn: 'value',
      target: { comparison: 'atMost', limit },
      note: rowNote,
    });
    return {
      rows: [
        row('ack → instructor event, p95 (upper bound)', classAssist.p95, baseline.p95, 100, note + problems),
        row('ack → instructor event, p99 (upper bound)', classAssist.p99, baseline.p99, 250),
        {
          scenario: 'Live latency',
          figure: `pings acknowledged per second (offered ${ctx.sizes.livePingsPerSec}/s)`,
          value: classAssist.acknowledgedPerSec,
          baseline: baseline.acknowledgedPerSec,
          unit: '/s',
          targetOn: 'value',
          target: { comparison: 'atLeast', limit: ctx.sizes.livePingsPerSec * 0.95 },
          note: "the scenario's load condition",
        },
      ],
      details: {
        clients,
        pingsPerSec: ctx.sizes.livePingsPerSec,
        seconds: ctx.sizes.liveSeconds,
        classAssist,
        baseline,
      },
    };
  },
};
