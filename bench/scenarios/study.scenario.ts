/**
 * Offline study help: `generate_quiz` and `explain_topic` on the demo course (`demo`, seeded by the server's first
 * start on the empty benchmark database; no OPENAI_API_KEY, so the offline provider answers), one request at a time.
 * The baseline is one HTTP round trip with one query on the bare server (`GET /select`).
 */

import { type BenchContext, bearer, type Scenario } from '../lib/context.js';
import { connectClient } from '../lib/database.js';
import type { Row } from '../lib/report.js';
import { percentile } from '../lib/stats.js';
import { startWorker } from '../lib/workers.js';
import type { SequenceResult } from '../load/http.worker.js';

const STUDENT = 'demo-student-1';

async function sequence(baseUrl: string, headers: Record<string, string>, requests: unknown[], repeat: number) {
  const worker = startWorker('http', { mode: 'sequence', baseUrl, headers, requests, repeat });
  try {
    return await worker.next<SequenceResult>('result', 600_000);
  } finally {
    await worker.stop();
  }
}

async function demoExists(ctx: BenchContext): Promise<boolean> {
  const client = await connectClient(ctx.db.url);
  try {
    return ((await client.query("SELECT 1 FROM courses WHERE id = 'demo'")).rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

export const studyScenario: Scenario = {
  id: 'study',
  title: 'Offline study help',
  async run(ctx) {
    if (!(await demoExists(ctx))) throw new Error('the demo course was not seeded into the benchmark database');
    const requests = [
      {
        label: 'generate_quiz',
        method: 'POST',
        path: '/api/agentkit/generate_quiz',
        body: { user_id: STUDENT, course_id: 'demo', focus: 'gradient descent' },
      },
      {
        label: 'explain_topic',
        method: 'POST',
        path: '/api/agentkit/explain_topic',
        body: { user_id: STUDENT, course_id: 'demo', topic: 'regularization' },
      },
    ];
    ctx.progress(`study: ${ctx.sizes.sequentialRepeats} × generate_quiz and explain_topic on the demo course`);
    await sequence(ctx.classAssist.url, bearer(ctx), requests, 3);
    const measured = await sequence(ctx.classAssist.url, bearer(ctx), requests, ctx.sizes.sequentialRepeats);
    const floor = await sequence(
      ctx.baseline.url,
      {},
      [{ label: 'select', method: 'GET', path: '/select' }],
      ctx.sizes.sequentialRepeats,
    );
    const floorP95 = percentile(floor.latencies.select ?? [], 0.95);
    const rows: Row[] = requests.map(({ label }) => {
      const latencies = measured.latencies[label] ?? [];
      const failures = measured.failures[label] ?? 0;
      return {
        scenario: 'Offline study help',
        figure: `${label} p95 (demo course, offline)`,
        value: latencies.length > 0 ? percentile(latencies, 0.95) : undefined,
        baseline: floorP95,
        unit: 'ms',
        targetOn: 'value',
        target: { comparison: 'atMost', limit: 50 },
        note: failures > 0 ? `${failures} failed: ${measured.firstFailure}` : undefined,
      };
    });
    return {
      rows,
      details: {
        requests: ctx.sizes.sequentialRepeats,
        p50: Object.fromEntries(requests.map(({ label }) => [label, percentile(measured.latencies[label] ?? [], 0.5)])),
        baselineSelectP95: floorP95,
      },
    };
  },
};
