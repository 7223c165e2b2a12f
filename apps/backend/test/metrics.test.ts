/**
 * GET /metrics: that the Prometheus text parses strictly, that each instrument moves by exactly what happened (function
 * calls by outcome, a widget action, live streams, a confusion spike with an instructor listening, an outbox job, the
 * database pool), that METRICS_TOKEN guards it, and that docs/monitoring's alert rules and dashboard only name
 * metrics a real instance serves.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createMetrics } from '../src/metrics/metrics.js';
import { addSlides, buildTestApp, type TestApp, uniqueId } from './helpers/app.js';
import { listen, openSession, openThread, stream } from './helpers/chatkit.js';
import { type Exposition, parsePrometheusText, sampleNames, sampleValue } from './helpers/prometheus.js';

const NOW = new Date('2026-03-10T10:00:00.000Z');

let t: TestApp;
let base: string;

beforeAll(async () => {
  t = await buildTestApp();
  t.clock.set(NOW);
  base = await listen(t);
});
afterAll(async () => {
  for (const stream of streams) stream.close();
  await t?.close();
});

async function scrape(app = t, headers: Record<string, string> = {}): Promise<Exposition> {
  const response = await app.app.inject({ method: 'GET', url: '/metrics', headers });
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(response.body);
}

/** Polls the metrics until `check` holds (for what happens after a response: outbox jobs, live streams). */
async function scrapeUntil(check: (m: Exposition) => boolean, ms = 5_000): Promise<Exposition> {
  const deadline = Date.now() + ms;
  for (;;) {
    const metrics = await scrape();
    if (check(metrics) || Date.now() > deadline) return metrics;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** An open GET /api/live stream: the text received so far. */
interface LiveStream {
  text(): string;
  close(): void;
}
const streams: LiveStream[] = [];

async function openLive(secret: string): Promise<LiveStream> {
  const controller = new AbortController();
  const response = await fetch(`${base}/api/live?client_secret=${encodeURIComponent(secret)}`, {
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  let received = '';
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        received += decoder.decode(chunk.value, { stream: true });
      }
    } catch {
      // aborted by the test
    }
  })();
  const live = { text: () => received, close: () => controller.abort() };
  streams.push(live);
  const deadline = Date.now() + 2_000;
  while (!received.includes('"hello"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(received).toContain('"hello"');
  return live;
}

const fn = (m: Exposition, name: string, outcome: string) =>
  sampleValue(m, 'class_assist_function_calls_total', { function: name, outcome });
const fnCount = (m: Exposition, name: string) =>
  sampleValue(m, 'class_assist_function_duration_seconds_count', { function: name });

describe('GET /metrics', () => {
  it('is Prometheus text with the process metrics, prefixed', async () => {
    const metrics = await scrape();
    expect(metrics.types.get('class_assist_process_cpu_seconds_total')).toBe('counter');
    expect(metrics.types.get('class_assist_nodejs_eventloop_lag_p99_seconds')).toBe('gauge');
    for (const [name, type] of [
      ['class_assist_function_calls_total', 'counter'],
      ['class_assist_function_duration_seconds', 'histogram'],
      ['class_assist_widget_actions_total', 'counter'],
      ['class_assist_spikes_detected_total', 'counter'],
      ['class_assist_spike_notify_seconds', 'histogram'],
      ['class_assist_outbox_deliveries_total', 'counter'],
      ['class_assist_db_pool_connections', 'gauge'],
      ['class_assist_db_up', 'gauge'],
      ['class_assist_sse_connections', 'gauge'],
    ]) {
      expect(metrics.types.get(name as string), name).toBe(type);
    }
    expect([...metrics.types.keys()].every((name) => name.startsWith('class_assist_'))).toBe(true);
  });

  it('counts function calls by outcome and times each one', async () => {
    const course = uniqueId('course');
    const before = await scrape();
    const ok = await t.call('track_confusion', { user_id: uniqueId('s'), course_id: course });
    expect(ok.statusCode).toBe(200);
    const bad = await t.call('submit_question', { course_id: course });
    expect(bad.statusCode).toBe(400);
    const unknown = await t.call('no_such_function', {});
    expect(unknown.statusCode).toBe(404);
    const after = await scrape();

    expect(fn(after, 'track_confusion', 'ok') - fn(before, 'track_confusion', 'ok')).toBe(1);
    expect(fn(after, 'submit_question', 'validation_failed') - fn(before, 'submit_question', 'validation_failed')).toBe(
      1,
    );
    expect(fn(after, 'submit_question', 'ok') - fn(before, 'submit_question', 'ok')).toBe(0);
    expect(fnCount(after, 'track_confusion') - fnCount(before, 'track_confusion')).toBe(1);
    expect(fnCount(after, 'submit_question') - fnCount(before, 'submit_question')).toBe(1);
    const seconds = (m: Exposition) =>
      sampleValue(m, 'class_assist_function_duration_seconds_sum', { function: 'track_confusion' });
    expect(seconds(after) - seconds(before)).toBeGreaterThan(0);
    expect(seconds(after) - seconds(before)).toBeLessThan(5);
    // An unknown function name never becomes a label value.
    expect(after.samples.some((s) => s.labels.function === 'no_such_function')).toBe(false);
  });

  it('counts widget actions by type, and the function call they make', async () => {
    const course = uniqueId('course');
    await addSlides(t.pool, course, [{ id: 'slide-1', title: 'Intro' }]);
    const { client_secret } = await openSession(t, { userId: uniqueId('s'), courseId: course, role: 'Learner' });
    const { threadId, widget } = await openThread(base, client_secret);
    const before = await scrape();
    await stream(base, client_secret, {
      type: 'threads.custom_action',
      params: { thread_id: threadId, item_id: widget.id, action: { type: 'confusion.ping' } },
    });
    const after = await scrape();
    const pings = (m: Exposition) => sampleValue(m, 'class_assist_widget_actions_total', { type: 'confusion.ping' });
    expect(pings(after) - pings(before)).toBe(1);
    expect(fn(after, 'track_confusion', 'ok') - fn(before, 'track_confusion', 'ok')).toBe(1);
    const all = (m: Exposition) =>
      m.samples.filter((s) => s.name === 'class_assist_widget_actions_total').reduce((sum, s) => sum + s.value, 0);
    expect(all(after) - all(before)).toBe(1);
  });

  it('counts a spike once, and times its way to the instructor’s live stream', async () => {
    const course = uniqueId('course');
    await addSlides(t.pool, course, [{ id: 'slide-1', title: 'Intro' }]);
    const teacher = await openSession(t, { userId: uniqueId('teacher'), courseId: course, role: 'Instructor' });
    const student = await openSession(t, { userId: uniqueId('watcher'), courseId: course, role: 'Learner' });
    const sse = (m: Exposition) => sampleValue(m, 'class_assist_sse_connections');
    const spikes = (m: Exposition) => sampleValue(m, 'class_assist_spikes_detected_total');
    const notified = (m: Exposition) => sampleValue(m, 'class_assist_spike_notify_seconds_count');
    const waited = (m: Exposition) => sampleValue(m, 'class_assist_spike_notify_seconds_sum');

    const before = await scrape();
    const instructorStream = await openLive(teacher.client_secret);
    // A student's stream hears the change too, but only instructors are told of spikes.
    const studentStream = await openLive(student.client_secret);
    // Let the live hub's first LISTEN settle, so the pings below are heard.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sse(await scrape()) - sse(before)).toBe(2);

    // The watching student is active too: three confused of four (75 %) with SPIKE_MIN_STUDENTS=3 is the spike.
    const confused = [uniqueId('s'), uniqueId('s'), uniqueId('s')];
    const ping = async (userId: string) => {
      const answer = await t.call('track_confusion', { user_id: userId, course_id: course, slide_id: 'slide-1' });
      expect(answer.statusCode, answer.body).toBe(200);
      return answer.json() as { threshold_exceeded: boolean; duplicate: boolean };
    };
    expect((await ping(confused[0] as string)).threshold_exceeded).toBe(false);
    expect((await ping(confused[1] as string)).threshold_exceeded).toBe(false);
    expect(spikes(await scrape()) - spikes(before)).toBe(0);
    expect((await ping(confused[2] as string)).threshold_exceeded).toBe(true);
    expect(spikes(await scrape()) - spikes(before)).toBe(1);

    const told = await scrapeUntil((m) => notified(m) - notified(before) >= 1);
    expect(notified(told) - notified(before)).toBe(1);
    expect(waited(told) - waited(before)).toBeGreaterThanOrEqual(0);
    expect(waited(told) - waited(before)).toBeLessThan(1);
    expect(instructorStream.text()).toContain('"course.changed"');
    expect(studentStream.text()).toContain('"course.changed"');

    // The spike goes on: a fourth student, and a repeat, are not new spikes and tell nobody of one.
    expect((await ping(uniqueId('s'))).threshold_exceeded).toBe(true);
    expect((await ping(confused[2] as string)).duplicate).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const later = await scrape();
    expect(spikes(later) - spikes(before)).toBe(1);
    expect(notified(later) - notified(before)).toBe(1);

    instructorStream.close();
    studentStream.close();
    expect(sse(await scrapeUntil((m) => sse(m) === sse(before)))).toBe(sse(before));
  });

  it('counts outbox jobs by kind and outcome', async () => {
    // A finished attempt of a quiz that was never assigned through the LMS: its score cannot be posted.
    const course = uniqueId('course');
    const userId = uniqueId('s');
    const quizId = randomUUID();
    const attemptId = randomUUID();
    await addSlides(t.pool, course, [{ id: 'slide-1', title: 'Intro' }]);
    await t.pool.query('INSERT INTO users (id) VALUES ($1)', [userId]);
    await t.pool.query(
      `INSERT INTO quizzes (id, course_id, focus, questions, source) VALUES ($1, $2, 'confusion-zones', '[]', 'offline')`,
      [quizId, course],
    );
    await t.pool.query(
      `INSERT INTO quiz_attempts (id, quiz_id, course_id, user_id, started_at, finished_at, score_state)
       VALUES ($1, $2, $3, $4, $5, $5, 'pending')`,
      [attemptId, quizId, course, userId, NOW],
    );
    const failed = (m: Exposition) =>
      sampleValue(m, 'class_assist_outbox_deliveries_total', { kind: 'score', outcome: 'failed' });
    const before = await scrape();
    await t.app.outbox.enqueue({ kind: 'score', id: attemptId });
    const after = await scrapeUntil((m) => failed(m) > failed(before), 15_000);
    expect(failed(after) - failed(before)).toBe(1);
    const { rows } = await t.pool.query('SELECT score_state FROM quiz_attempts WHERE id = $1', [attemptId]);
    expect(rows[0]?.score_state).toBe('failed');
  }, 20_000);

  it('reads the database pool and whether the database answers at scrape time', async () => {
    const held = [await t.appPool.connect(), await t.appPool.connect()];
    try {
      const metrics = await scrape();
      const state = (s: string) => sampleValue(metrics, 'class_assist_db_pool_connections', { state: s });
      expect(state('total')).toBeGreaterThanOrEqual(2);
      expect(state('total') - state('idle')).toBeGreaterThanOrEqual(2);
      expect(state('waiting')).toBe(0);
      expect(sampleValue(metrics, 'class_assist_db_up')).toBe(1);
    } finally {
      for (const client of held) client.release();
    }

    // A pool whose database cannot be reached.
    const dead = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', connectionTimeoutMillis: 500 });
    try {
      const text = await createMetrics(dead).registry.metrics();
      expect(sampleValue(parsePrometheusText(text), 'class_assist_db_up')).toBe(0);
    } finally {
      await dead.end();
    }
  });
});

describe('METRICS_TOKEN', () => {
  it('is required as a bearer token when set', async () => {
    const token = 'metrics-token-0123456789';
    const guarded = await buildTestApp({ env: { METRICS_TOKEN: token } });
    try {
      for (const authorization of [undefined, 'Bearer wrong', `Basic ${token}`]) {
        const refused = await guarded.app.inject({
          method: 'GET',
          url: '/metrics',
          headers: authorization ? { authorization } : {},
        });
        expect(refused.statusCode, authorization).toBe(401);
        expect(refused.json().error).toBe('unauthorized');
        expect(refused.body).not.toContain('class_assist_');
      }
      const metrics = await scrape(guarded, { authorization: `Bearer ${token}` });
      expect(metrics.types.has('class_assist_function_calls_total')).toBe(true);
    } finally {
      await guarded.close();
    }
  });
});

describe('docs/monitoring', () => {
  const names = (text: string) => new Set(text.match(/\bclass_assist_[a-z0-9_]+\b/g) ?? []);

  it('alert rules are well formed and name only metrics a real instance serves', async () => {
    const served = sampleNames((await scrape()).types);
    const text = readFileSync(new URL('../../../docs/monitoring/alerts.yml', import.meta.url), 'utf8');
    const rules = (parseYaml(text) as { groups: Array<{ rules: Array<Record<string, unknown>> }> }).groups.flatMap(
      (g) => g.rules,
    );
    expect(rules.length).toBeGreaterThanOrEqual(4);
    for (const rule of rules) {
      expect(typeof rule.alert).toBe('string');
      expect(typeof rule.expr).toBe('string');
      expect((rule.labels as { severity?: string }).severity).toMatch(/^(critical|warning)$/);
      for (const name of names(rule.expr as string)) expect(served, `${rule.alert}: ${name}`).toContain(name);
    }
    const alerts = rules.map((r) => r.alert);
    for (const wanted of [
      'ClassAssistFunctionErrors',
      'ClassAssistFunctionLatencyHigh',
      'ClassAssistOutboxFailures',
      'ClassAssistDatabaseDown',
    ]) {
      expect(alerts).toContain(wanted);
    }
    expect(text).not.toMatch(/expr:[^\n]*class_assist_sse_connections/);
  });

  it('the Grafana dashboard names only metrics a real instance serves', async () => {
    const served = sampleNames((await scrape()).types);
    const dashboard = JSON.parse(
      readFileSync(new URL('../../../docs/monitoring/grafana-dashboard.json', import.meta.url), 'utf8'),
    ) as { panels: Array<{ id: number; type: string; targets?: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((target) => target.expr);
    expect(exprs.length).toBeGreaterThan(10);
    const used = new Set(exprs.flatMap((expr) => [...names(expr)]));
    for (const name of used) expect(served, name).toContain(name);
    for (const metric of [
      'class_assist_function_calls_total',
      'class_assist_function_duration_seconds_bucket',
      'class_assist_widget_actions_total',
      'class_assist_spikes_detected_total',
      'class_assist_spike_notify_seconds_bucket',
      'class_assist_outbox_deliveries_total',
      'class_assist_db_pool_connections',
      'class_assist_sse_connections',
    ]) {
      expect(used, metric).toContain(metric);
    }
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
