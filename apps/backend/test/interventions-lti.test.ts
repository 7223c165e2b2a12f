/**
 * A remedial quiz in a course graded through LTI only (Moodle and others): assign_remedial_quiz creates an AGS line
 * item on the platform (a fake one on loopback that checks the tool's client assertion against the tool's JWKS), the
 * confused students see it in their widget, take it there, and their score goes back to the platform once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSlides, buildTestApp, DEMO_LECTURE, TEST_SECRET, type TestApp, uniqueId } from './helpers/app.js';
import { listen, openSession, openThread, stream, type WireItem } from './helpers/chatkit.js';
import { allNodes, type Node } from './helpers/widgets.js';

const ISSUER = 'https://moodle.example.edu';
const CLIENT_ID = 'class-assist-moodle';
const AGS = 'https://purl.imsglobal.org/spec/lti-ags/scope/';

interface Received {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

/** A platform's token endpoint and AGS line items and scores; the token needs a valid client assertion. */
async function startAgsPlatform(jwks: () => Promise<JSONWebKeySet>) {
  const received: Received[] = [];
  const lineItems: Array<Record<string, unknown>> = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '').split('?')[0] ?? '';
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (path === '/token') {
      const form = new URLSearchParams(text);
      try {
        await jwtVerify(form.get('client_assertion') ?? '', createLocalJWKSet(await jwks()), {
          issuer: CLIENT_ID,
          subject: CLIENT_ID,
          audience: `${base}/token`,
        });
      } catch {
        return json(401, { error: 'invalid_client' });
      }
      return json(200, { access_token: 'ags-token', token_type: 'Bearer', expires_in: 3600, scope: form.get('scope') });
    }
    if (req.headers.authorization !== 'Bearer ags-token') return json(401, { error: 'invalid_token' });
    received.push({ method: req.method ?? '', path, body: text ? JSON.parse(text) : {} });
    if (path === '/lineitems' && req.method === 'GET') return json(200, lineItems);
    if (path === '/lineitems' && req.method === 'POST') {
      const item = { id: `${base}/lineitems/${lineItems.length + 1}/lineitem?type_id=7`, ...JSON.parse(text) };
      lineItems.push(item);
      return json(201, item);
    }
    if (/^\/lineitems\/\d+\/lineitem\/scores$/.test(path) && req.method === 'POST') {
      res.writeHead(204);
      return res.end();
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, received, close: () => new Promise((resolve) => server.close(resolve)) };
}

let t: TestApp;
let base: string;
let platform: Awaited<ReturnType<typeof startAgsPlatform>>;

beforeAll(async () => {
  t = await buildTestApp({ appDeps: { lmsHttp: { retries: 2, baseDelayMs: 5, maxDelayMs: 20 } } });
  base = await listen(t);
  platform = await startAgsPlatform(async () => (await t.app.inject({ method: 'GET', url: '/lti/jwks' })).json());
  const registered = await t.app.inject({
    method: 'POST',
    url: '/api/admin/lti/platforms',
    headers: { authorization: `Bearer ${TEST_SECRET}`, 'content-type': 'application/json' },
    payload: {
      issuer: ISSUER,
      client_id: CLIENT_ID,
      auth_login_url: `${ISSUER}/mod/lti/auth.php`,
      auth_token_url: `${platform.base}/token`,
      jwks_url: `${ISSUER}/mod/lti/certs.php`,
      deployment_ids: ['1'],
    },
  });
  expect(registered.statusCode, registered.body).toBe(201);
});
afterAll(async () => {
  await t?.close();
  await platform?.close();
});

async function until<T>(read: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a remedial quiz graded through LTI', () => {
  it('creates the line item once, lets the confused students take it, and posts each score once', async () => {
    const courseId = uniqueId('lti-course');
    await addSlides(t.pool, courseId, DEMO_LECTURE.slice(0, 8));
    await t.pool.query(
      `INSERT INTO lti_course_services (course_id, issuer, client_id, deployment_id, lineitems_url, ags_scopes)
       VALUES ($1, $2, $3, '1', $4, $5)`,
      [courseId, ISSUER, CLIENT_ID, `${platform.base}/lineitems`, [`${AGS}lineitem`, `${AGS}score`]],
    );
    const set = await t.app.inject({
      method: 'PUT',
      url: `/api/admin/courses/${courseId}/lms`,
      headers: { authorization: `Bearer ${TEST_SECRET}`, 'content-type': 'application/json' },
      payload: { kind: 'lti-ags' },
    });
    expect(set.statusCode, set.body).toBe(200);
    const students = ['ada', 'alan'].map((name) => `${courseId}-${name}`);
    for (const userId of students) {
      const ping = await t.call('track_confusion', { user_id: userId, course_id: courseId, slide_id: 'slide-7' });
      expect(ping.statusCode).toBe(200);
    }
    await t.pool.query(`UPDATE users SET lti_sub = 'sub-' || id WHERE id = ANY($1)`, [students]);

    const response = await t.call('assign_remedial_quiz', { course_id: courseId, quiz_type: 'remedial' });
    expect(response.statusCode, response.body).toBe(200);
    const id = response.json().intervention_id as string;
    const done = await until(async () => {
      const view = (
        await t.app.inject({
          method: 'GET',
          url: `/api/interventions/${id}`,
          headers: { authorization: `Bearer ${TEST_SECRET}` },
        })
      ).json();
      return view.status === 'completed' || view.status === 'failed' ? view : undefined;
    });
    expect(done.status, JSON.stringify(done)).toBe('completed');
    expect(done.recipients.map((r: { status: string }) => r.status)).toStrictEqual(['sent', 'sent']);
    const creates = platform.received.filter((r) => r.method === 'POST' && r.path === '/lineitems');
    expect(creates).toHaveLength(1);
    expect(creates[0]?.body).toMatchObject({ scoreMaximum: 5, tag: 'class-assist-quiz' });
    expect(done.lms.lineitem_url).toBe(`${platform.base}/lineitems/1/lineitem?type_id=7`);

    // Ada finds it in her widget, takes it, and her score goes back once.
    const { client_secret } = await openSession(t, {
      userId: students[0] as string,
      courseId,
      courseName: 'LTI course',
      role: 'Learner',
    });
    const { threadId, widget } = await openThread(base, client_secret);
    const start = allNodes(widget.widget as Node).find((n) => n.type === 'Button' && n.label === 'Start the quiz');
    expect(start?.onClickAction).toStrictEqual({
      type: 'study.quiz',
      payload: { quiz_id: creates[0]?.body.resourceId },
    });
    const act = async (action: unknown) => {
      const events = await stream(base, client_secret, {
        type: 'threads.custom_action',
        params: { thread_id: threadId, item_id: widget.id, action },
      });
      expect(events.find((e) => e.type === 'error')).toBeUndefined();
      const replaced = events.find((e) => e.type === 'thread.item.replaced');
      return (replaced?.item as WireItem | undefined)?.widget as Node;
    };
    let current = await act(start?.onClickAction);
    for (let i = 0; i < 5; i++) {
      const choice = allNodes(current).find(
        (n) => n.type === 'Button' && (n.onClickAction as { type: string }).type === 'quiz.answer',
      );
      current = await act(choice?.onClickAction);
      const next = allNodes(current).find(
        (n) => n.type === 'Button' && (n.onClickAction as { type?: string })?.type === 'quiz.next',
      );
      current = await act(next?.onClickAction);
    }
    const score = await until(async () => {
      const posts = platform.received.filter((r) => r.path.endsWith('/scores'));
      return posts.length > 0 ? posts : undefined;
    });
    const { rows } = await t.pool.query(
      `SELECT a.score_state, count(*) FILTER (WHERE ans.correct)::int AS correct
       FROM quiz_attempts a JOIN quiz_answers ans ON ans.attempt_id = a.id WHERE a.user_id = $1 GROUP BY a.id`,
      [students[0]],
    );
    await until(async () => {
      const state = await t.pool.query('SELECT score_state FROM quiz_attempts WHERE user_id = $1', [students[0]]);
      return state.rows[0]?.score_state === 'posted' ? true : undefined;
    });
    expect(score).toHaveLength(1);
    expect(score[0]?.path).toBe('/lineitems/1/lineitem/scores');
    expect(score[0]?.body).toMatchObject({
      userId: `sub-${students[0]}`,
      scoreGiven: rows[0]?.correct,
      scoreMaximum: 5,
      activityProgress: 'Completed',
      gradingProgress: 'FullyGraded',
    });
    // Finished: the widget no longer offers it.
    const closed = await act({ type: 'quiz.close', payload: {} });
    expect(allNodes(closed).some((n) => n.label === 'Start the quiz')).toBe(false);
  });
});
