/**
 * NRPS roster sync after an instructor's launch, against the mock platform plus a fake token endpoint (checking the
 * client assertion against the tool's published JWKS at GET /lti/jwks) and a two-page NRPS endpoint.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ltiId } from '../src/lti/launch.service.js';
import { rosterSyncsSettled } from '../src/lti/roster-sync.js';
import { NRPS_SCOPE } from '../src/lti/services/types.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  FIXTURE_ISSUER,
  fixture,
  launchFixture,
  type MockPlatform,
  startMockPlatform,
} from './helpers/lti-platform.js';

const NRPS_CLAIM = 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice';
const CONTEXT_CLAIM = 'https://purl.imsglobal.org/spec/lti/claim/context';
const MEMBERSHIP = 'http://purl.imsglobal.org/vocab/lis/v2/membership#';

type Mode = 'ok' | 'fail' | 'hold';

/** The platform's LTI Advantage side: a token endpoint and a two-page NRPS endpoint. */
class ServicesPlatform {
  base = '';
  mode: Mode = 'ok';
  nrpsRequests: string[] = [];
  tokenRequests = 0;
  assertionProblems: string[] = [];
  private held: Array<() => void> = [];
  private issued = new Set<string>();
  private server = http.createServer((req, res) => void this.handle(req, res));

  constructor(
    private readonly toolJwks: () => Promise<JSONWebKeySet>,
    private readonly clientId: string,
    private readonly now: () => Date,
  ) {}

  get tokenUrl() {
    return `${this.base}/token`;
  }
  nrpsUrl(course: string) {
    return `${this.base}/nrps/${course}`;
  }
  release() {
    for (const go of this.held.splice(0)) go();
  }

  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  async stop() {
    this.release();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.base);
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    if (url.pathname === '/token' && req.method === 'POST') {
      this.tokenRequests += 1;
      const form = new URLSearchParams(body);
      try {
        const assertion = form.get('client_assertion') ?? '';
        const jwks = await this.toolJwks();
        const kid = decodeProtectedHeader(assertion).kid;
        if (!jwks.keys.some((k) => k.kid === kid)) throw new Error(`kid ${kid} not in the tool's JWKS`);
        await jwtVerify(assertion, createLocalJWKSet(jwks), {
          algorithms: ['RS256'],
          audience: this.tokenUrl,
          issuer: this.clientId,
          subject: this.clientId,
          requiredClaims: ['iat', 'exp', 'jti'],
          currentDate: this.now(),
        });
        if (form.get('grant_type') !== 'client_credentials') throw new Error('grant_type');
        if (form.get('scope') !== NRPS_SCOPE) throw new Error(`scope ${form.get('scope')}`);
      } catch (err) {
        this.assertionProblems.push((err as Error).message);
        return json(401, { error: 'invalid_client' });
      }
      const token = `at-${this.issued.size + 1}`;
      this.issued.add(token);
      return json(200, { access_token: token, token_type: 'Bearer', expires_in: 3600, scope: NRPS_SCOPE });
    }
    if (url.pathname.startsWith('/nrps/')) {
      this.nrpsRequests.push(url.pathname + url.search);
      const auth = req.headers.authorization ?? '';
      if (!this.issued.has(auth.replace(/^Bearer /, ''))) return json(401, { error: 'invalid_token' });
      if (this.mode === 'fail') return json(500, { error: 'server_error' });
      if (this.mode === 'hold') await new Promise<void>((resolve) => this.held.push(resolve));
      if (url.searchParams.get('page') !== '2') {
        return json(
          200,
          {
            id: url.href,
            context: { id: 'ctx' },
            members: [
              // The launching instructor, without name or email: the launch's values stay.
              { user_id: '39890', roles: [`${MEMBERSHIP}Instructor`], status: 'Active' },
              { user_id: 'stu-1', roles: [`${MEMBERSHIP}Learner`], name: 'Ada Byron', email: 'ada@example.edu' },
              { user_id: 'stu-2', roles: ['Learner'], given_name: 'Bo', family_name: 'Li', status: 'Active' },
            ],
          },
          { Link: `<${url.origin}${url.pathname}?page=2>; rel="next"` },
        );
      }
      return json(200, {
        id: url.href,
        members: [
          {
            user_id: 'ta-1',
            roles: [`${MEMBERSHIP}Instructor#TeachingAssistant`],
            name: 'Tess Assist',
            email: 'tess@example.edu',
            status: 'Active',
          },
          { user_id: 'gone-1', roles: ['Learner'], status: 'Inactive', name: 'Gone' },
          { user_id: 'gone-2', roles: ['Learner'], status: 'Deleted' },
        ],
      });
    }
    json(404, { error: 'not_found' });
  }
}

let t: TestApp;
let platform: MockPlatform;
let services: ServicesPlatform;

beforeAll(async () => {
  platform = await startMockPlatform();
  t = await buildTestApp();
  services = new ServicesPlatform(
    async () => (await t.app.inject({ method: 'GET', url: '/lti/jwks' })).json() as JSONWebKeySet,
    platform.registration.client_id,
    t.clock,
  );
  await services.start();
  const added = await t.app.inject({
    method: 'POST',
    url: '/api/admin/lti/platforms',
    headers: { authorization: `Bearer ${t.config.agentkitSecret}`, 'content-type': 'application/json' },
    payload: { ...platform.registration, auth_token_url: services.tokenUrl },
  });
  expect(added.statusCode).toBe(201);
});
afterAll(async () => {
  await rosterSyncsSettled();
  await t?.close();
  await services?.stop();
  await platform?.close();
});
beforeEach(() => {
  services.mode = 'ok';
  services.nrpsRequests = [];
  services.tokenRequests = 0;
  services.assertionProblems = [];
});

/** Launches into course `context` as the fixture's instructor (or student), with an NRPS claim unless `nrps` is false. */
async function launch(context: string, as: 'Instructor' | 'Student' = 'Instructor', nrps = true) {
  const f = fixture('valid', `Launch LTI 1.3 Message as ${as}`);
  const iat = Math.floor(t.clock().getTime() / 1000);
  const payload: Record<string, unknown> = {
    ...f.payload,
    iat,
    exp: iat + 300,
    [CONTEXT_CLAIM]: { id: context, title: `Course ${context}` },
  };
  delete payload[NRPS_CLAIM];
  if (nrps) payload[NRPS_CLAIM] = { context_memberships_url: services.nrpsUrl(context), service_versions: ['2.0'] };
  const { response } = await launchFixture(t.app, platform, { ...f, payload, keep: ['iat', 'exp'] });
  expect(response.statusCode, response.body).toBe(302);
  return response;
}

const courseId = (context: string) => ltiId(FIXTURE_ISSUER, context);
const userId = (sub: string) => ltiId(FIXTURE_ISSUER, sub);

async function roster(context: string) {
  const { rows } = await t.pool.query<{ sub: string; role: string; name: string | null; email: string | null }>(
    `SELECT u.lti_sub AS sub, e.role, u.name, u.email FROM enrollments e JOIN users u ON u.id = e.user_id
     WHERE e.course_id = $1 ORDER BY u.lti_sub`,
    [courseId(context)],
  );
  return rows;
}

/** Enrols `sub` in the course directly (as an earlier launch would have). */
async function enrol(context: string, sub: string) {
  await t.pool.query(
    `INSERT INTO users (id, name, lti_issuer, lti_sub) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
    [userId(sub), `Old ${sub}`, FIXTURE_ISSUER, sub],
  );
  await t.pool.query(`INSERT INTO enrollments (course_id, user_id, role) VALUES ($1, $2, 'student')`, [
    courseId(context),
    userId(sub),
  ]);
}

describe('roster sync after an instructor launch', () => {
  it('enrols the two-page roster with mapped roles, names and emails, and removes inactive members', async () => {
    await launch('course-a', 'Student', false); // creates the course (a student launch never syncs)
    await enrol('course-a', 'gone-1');
    await rosterSyncsSettled();
    expect(services.nrpsRequests).toEqual([]);

    await launch('course-a');
    await rosterSyncsSettled();
    expect(services.assertionProblems).toEqual([]);
    expect(services.tokenRequests).toBe(1);
    expect(services.nrpsRequests).toEqual(['/nrps/course-a', '/nrps/course-a?page=2']);
    expect(await roster('course-a')).toEqual([
      { sub: '39890', role: 'instructor', name: 'Lauren Colleen Hutton', email: 'l.c.hutton@district1.com' },
      { sub: '40899', role: 'student', name: 'Carrie A Lowell', email: 'c.lowell@district1.com' },
      { sub: 'stu-1', role: 'student', name: 'Ada Byron', email: 'ada@example.edu' },
      { sub: 'stu-2', role: 'student', name: 'Bo Li', email: null },
      { sub: 'ta-1', role: 'instructor', name: 'Tess Assist', email: 'tess@example.edu' },
    ]);
    // gone-1 was unenrolled (the user row stays); gone-2 was never enrolled and is not created.
    const users = await t.pool.query('SELECT lti_sub FROM users WHERE lti_sub IN ($1, $2)', ['gone-1', 'gone-2']);
    expect(users.rows).toEqual([{ lti_sub: 'gone-1' }]);
    const line = t.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'lti roster synced');
    expect(line).toMatchObject({ course_id: courseId('course-a'), members: 6, upserted: 4, removed: 1, inactive: 1 });
    const state = await t.pool.query(
      'SELECT roster_synced_at, roster_sync_started_at, roster_sync_error FROM lti_course_services WHERE course_id = $1',
      [courseId('course-a')],
    );
    expect(state.rows[0]).toMatchObject({ roster_sync_error: null });
    expect(state.rows[0].roster_synced_at).toBeInstanceOf(Date);
  });

  it('syncs a course at most once per 10 minutes', async () => {
    await launch('course-a'); // synced by the previous test, at the same clock time
    await rosterSyncsSettled();
    expect(services.nrpsRequests).toEqual([]);

    t.clock.advance(9 * 60);
    await launch('course-a');
    await rosterSyncsSettled();
    expect(services.nrpsRequests).toEqual([]);

    t.clock.advance(2 * 60); // 11 minutes after the first sync
    await launch('course-a');
    await rosterSyncsSettled();
    expect(services.nrpsRequests).toHaveLength(2);
  });

  it('never syncs after a student launch, even one carrying the NRPS claim', async () => {
    t.clock.advance(60 * 60);
    await launch('course-a', 'Student');
    await rosterSyncsSettled();
    expect(services.nrpsRequests).toEqual([]);
    expect(services.tokenRequests).toBe(0);
  });

  it('lets only one of two simultaneous launches sync', async () => {
    await Promise.all([launch('course-b'), launch('course-b')]);
    await rosterSyncsSettled();
    expect(services.tokenRequests).toBe(1);
    expect(services.nrpsRequests).toHaveLength(2);
    expect(await roster('course-b')).toHaveLength(4);
  });

  it('does not delay the launch while the platform is slow', async () => {
    services.mode = 'hold';
    await launch('course-c'); // answered while the NRPS request is still pending
    await expect.poll(() => services.nrpsRequests.length).toBe(1);
    expect(await roster('course-c')).toHaveLength(1);
    services.mode = 'ok';
    services.release();
    await rosterSyncsSettled();
    expect(await roster('course-c')).toHaveLength(4);
  });

  it('keeps the launch successful and the roster unchanged when NRPS fails', async () => {
    services.mode = 'fail';
    await launch('course-d', 'Student', false);
    await enrol('course-d', 'gone-1');
    const before = await roster('course-d');
    await launch('course-d');
    await rosterSyncsSettled();
    expect(services.nrpsRequests).toEqual(['/nrps/course-d']);
    const after = await roster('course-d');
    // Only the launching instructor (recorded by the launch itself) was added.
    expect(after.filter((r) => r.sub !== '39890')).toEqual(before);
    const failed = t.logs
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'lti roster sync failed' && l.course_id === courseId('course-d'));
    expect(failed).toMatchObject({ course_id: courseId('course-d') });
    expect(failed.err).toMatch(/HTTP 500/);
    const state = await t.pool.query('SELECT roster_sync_error FROM lti_course_services WHERE course_id = $1', [
      courseId('course-d'),
    ]);
    expect(state.rows[0].roster_sync_error).toMatch(/HTTP 500/);

    // The failed attempt holds the slot too; a launch after the interval retries.
    services.mode = 'ok';
    await launch('course-d');
    await rosterSyncsSettled();
    expect(services.nrpsRequests).toHaveLength(1);
    t.clock.advance(11 * 60);
    await launch('course-d');
    await rosterSyncsSettled();
    expect(services.nrpsRequests).toHaveLength(3);
    expect((await roster('course-d')).map((r) => r.sub)).toEqual([
      '39890',
      '40899', // not on the roster: left alone
      'stu-1',
      'stu-2',
      'ta-1',
    ]);
  });
});
