/**
 * Heatmap at scale: `get_confusion_heatmap` over HTTP for each time range on the large course, against the baseline
 * query (a plain COUNT(DISTINCT user_id) … GROUP BY slide_id over the raw events) timed directly through pg.
 */
import { type BenchContext, bearer, type Scenario } from '../lib/context.js';
import { connectClient } from '../lib/database.js';
import type { Row } from '../lib/report.js';
import { percentile } from '../lib/stats.js';
import { startWorker } from '../lib/workers.js';
import type { SequenceResult } from '../load/http.worker.js';
import { dataset } from './dataset.js';

const RANGES = ['last_hour', 'today', 'this_week'] as const;
type Range = (typeof RANGES)[number];

const BASELINE_SQL = `SELECT slide_id, COUNT(DISTINCT user_id) FROM confusion_events
  WHERE course_id = $1 AND occurred_at >= $2 GROUP BY slide_id`;

/** The start of a range as the server computes it for a course in UTC. */
const SINCE_SQL: Record<Range, string> = {
  last_hour: "SELECT now() - interval '1 hour' AS since",
  today: "SELECT date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS since",
  this_week: "SELECT date_trunc('week', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS since",
};

async function timeHeatmap(ctx: BenchContext, courseId: string, repeat: number): Promise<SequenceResult> {
  const worker = startWorker('http', {
    mode: 'sequence',
    baseUrl: ctx.classAssist.url,
    headers: bearer(ctx),
    repeat,
    requests: RANGES.map((range) => ({
      label: range,
      method: 'POST',
      path: '/api/agentkit/get_confusion_heatmap',
      body: { course_id: courseId, time_range: range },
    })),
  });
  try {
    return await worker.next<SequenceResult>('result', 600_000);
  } finally {
    await worker.stop();
  }
}

async function timeBaseline(ctx: BenchContext, courseId: string) {
  const client = await connectClient(ctx.db.url);
  try {
    const result = {} as Record<Range, { p95: number; rows: number; eventsInRange: number; plan: string[] }>;
    for (const range of RANGES) {
      const since = (await client.query<{ since: Date }>(SINCE_SQL[range])).rows[0]?.since;
      await client.query(BASELINE_SQL, [courseId, since]); // warm the cache
      const times: number[] = [];
      let rows = 0;
      for (let round = 0; round < ctx.sizes.baselineQueryRepeats; round += 1) {
        const started = performance.now();
        rows = (await client.query(BASELINE_SQL, [courseId, since])).rowCount ?? 0;
        times.push(performance.now() - started);
      }
      const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${BASELINE_SQL}`, [
        courseId,
        since,
      ]);
      const inRange = await client.query<{ count: string }>(
        'SELECT count(*) FROM confusion_events WHERE course_id = $1 AND occurred_at >= $2',
        [courseId, since],
      );
      result[range] = {
        p95: percentile(times, 0.95),
        rows,
        eventsInRange: Number(inRange.rows[0]?.count ?? 0),
        plan: plan.rows.map((row) => row['QUERY PLAN']),
      };
    }
    return result;
  } finally {
    await client.end();
  }
}

export const heatmapScenario: Scenario = {
  id: 'heatmap',
  title: 'Heatmap at scale',
  async run(ctx) {
    const data = await dataset(ctx);
    const courseId = data.big.courseId;
    ctx.progress(`heatmap: ${ctx.sizes.sequentialRepeats} requests per time range, then the baseline query`);
    await timeHeatmap(ctx, courseId, 3); // warm-up
    const measured = await timeHeatmap(ctx, courseId, ctx.sizes.sequentialRepeats);
    const baseline = await timeBaseline(ctx, courseId);
    const rows: Row[] = [];
    const events = data.big.events.toLocaleString('en-US');
    const share = (range: Range) => Math.round((baseline[range].eventsInRange / data.big.events) * 100);
    for (const range of RANGES) {
      const latencies = measured.latencies[range] ?? [];
      const p95 = latencies.length > 0 ? percentile(latencies, 0.95) : undefined;
      const failures = measured.failures[range] ?? 0;
      rows.push(
        {
          scenario: 'Heatmap at scale',
          figure: `${range} p95 (${share(range)} % of ${events} events in range)`,
          value: p95,
          unit: 'ms',
          targetOn: 'value',
          target: { comparison: 'atMost', limit: 10 },
          note: failures > 0 ? `${failures} failed: ${measured.firstFailure}` : undefined,
        },
        {
          scenario: 'Heatmap at scale',
          figure: `${range} p95 vs baseline query`,
          value: p95,
          baseline: baseline[range].p95,
          unit: 'ms',
          targetOn: 'speedup',
          target: { comparison: 'atLeast', limit: 10 },
        },
      );
    }
    return {
      rows,
      details: {
        events: data.big.events,
        students: data.big.students,
        slides: data.big.slides,
        loadSeconds: data.loadSeconds,
        requestsPerRange: ctx.sizes.sequentialRepeats,
        heatmap: Object.fromEntries(
          RANGES.map((range) => {
            const latencies = measured.latencies[range] ?? [];
            return [
              range,
              { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), max: percentile(latencies, 1) },
            ];
          }),
        ),
        baseline,
      },
    };
  },
};
