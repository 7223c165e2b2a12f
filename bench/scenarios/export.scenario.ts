/**
 * Export: `export_confusion_data` as CSV from a freshly started server per size (so its peak RSS, VmHWM, belongs to
 * this export alone), downloaded by a separate process. The baseline is the database's own
 * `COPY (SELECT …) TO STDOUT` of the same rows through pg.
 */
import path from 'node:path';
import { to as copyTo } from 'pg-copy-streams';
import { type BenchContext, bearer, type Scenario } from '../lib/context.js';
import { connectClient } from '../lib/database.js';
import { readMemory, sampleRss } from '../lib/processes.js';
import { startClassAssist } from '../lib/servers.js';
import { MB } from '../lib/stats.js';
import { startWorker } from '../lib/workers.js';
import type { DownloadResult } from '../load/http.worker.js';
import { dataset } from './dataset.js';

async function exportOnce(ctx: BenchContext, courseId: string) {
  const server = await startClassAssist({
    databaseUrl: ctx.db.url,
    secrets: ctx.secrets,
    dataDir: path.join(ctx.scratch, 'server-data'),
    cpuProfileDir: ctx.cpuProfileDir,
    label: 'export',
  });
  try {
    const idleRss = readMemory(server.pid)?.rss ?? 0;
    const sampler = sampleRss(server.pid);
    const worker = startWorker('http', {
      mode: 'download',
      baseUrl: server.url,
      headers: bearer(ctx),
      path: '/api/agentkit/export_confusion_data',
      body: { course_id: courseId, format: 'csv' },
    });
    const download = await worker.next<DownloadResult>('result', 600_000).finally(() => worker.stop());
    const polledPeak = sampler.stop();
    const hwm = readMemory(server.pid)?.hwm ?? polledPeak;
    if (download.status !== 200) throw new Error(`export answered ${download.status}`);
    const rows = download.lines - 1; // the header row
    return {
      rows,
      rowsPerSec: rows / (download.totalMs / 1000),
      peakRss: Math.max(hwm, polledPeak),
      idleRss,
      download,
    };
  } finally {
    await server.stop();
  }
}

async function copyBaseline(ctx: BenchContext, courseId: string) {
  const client = await connectClient(ctx.db.url);
  try {
    const started = performance.now();
    const stream = client.query(
      copyTo(
        `COPY (SELECT id, course_id, slide_id, user_id, occurred_at FROM confusion_events
         WHERE course_id = '${courseId}' ORDER BY id) TO STDOUT WITH (FORMAT csv)`,
      ),
    );
    let lines = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines += 1;
    }
    return { rows: lines, rowsPerSec: lines / ((performance.now() - started) / 1000) };
  } finally {
    await client.end();
  }
}

export const exportScenario: Scenario = {
  id: 'export',
  title: 'Export',
  async run(ctx) {
    const data = await dataset(ctx);
    ctx.progress(
      `export: ${data.small.events.toLocaleString('en-US')} rows, then ${data.big.events.toLocaleString('en-US')} rows`,
    );
    const small = await exportOnce(ctx, data.small.courseId);
    const big = await exportOnce(ctx, data.big.courseId);
    const baseline = await copyBaseline(ctx, data.big.courseId);
    const rowsNote = big.rows === data.big.events ? undefined : `${big.rows} of ${data.big.events} rows came back`;
    return {
      rows: [
        {
          scenario: 'Export',
          figure: `CSV rows/s (${big.rows.toLocaleString('en-US')} rows)`,
          value: big.rowsPerSec,
          baseline: baseline.rowsPerSec,
          unit: 'rows/s',
          targetOn: 'value',
          target: { comparison: 'atLeast', limit: 250_000 },
          note: rowsNote,
        },
        {
          scenario: 'Export',
          figure: 'server peak RSS',
          value: big.peakRss / MB,
          unit: 'MB',
          targetOn: 'value',
          target: { comparison: 'atMost', limit: 150 },
        },
        {
          scenario: 'Export',
          figure: `peak RSS ${big.rows.toLocaleString('en-US')} vs ${small.rows.toLocaleString('en-US')} rows`,
          value: big.peakRss / MB,
          baseline: small.peakRss / MB,
          unit: 'MB',
          targetOn: 'ratio',
          target: { comparison: 'atMost', limit: 1.2 },
        },
      ],
      details: { small, big, copyBaseline: baseline },
    };
  },
};
