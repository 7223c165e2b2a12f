/**
 * The LTI Advantage service clients against a fake platform on loopback: the token endpoint (checking the client
 * assertion like a real platform), NRPS in three pages, AGS line items and scores (a Moodle-style line item URL with
 * a query), token caching and the mapping of every platform failure to a 502.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.js';
import { createAgsClient, scoresUrl } from '../src/lti/services/ags.js';
import { findLink, parseLinkHeader } from '../src/lti/services/link-header.js';
import { fetchMemberships } from '../src/lti/services/nrps.js';
import { createPlatformTokenClient } from '../src/lti/services/token-client.js';
import { AGS_SCOPES, NRPS_SCOPE } from '../src/lti/services/types.js';
import { createTestSigner, type TestSigner } from './helpers/lti-signer.js';

const CLIENT_ID = 'class-assist-client';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type TokenMode = 'ok' | 'invalid_client' | 'error500' | 'malformed' | 'slow';

/** A fake LTI platform: token endpoint, NRPS and AGS, recording every request. */
class FakePlatform {
  readonly received: Received[] = [];
  /** Access tokens issued, with the scopes they grant. */
  readonly issued = new Map<string, string[]>();
  readonly seenJti = new Set<string>();
  readonly assertionProblems: string[] = [];
  tokenMode: TokenMode = 'ok';
  expiresIn = 3600;
  lineItems: Array<Record<string, unknown>> = [];
  /** Tokens the platform has revoked (answers 401 for them). */
  readonly revoked = new Set<string>();
  private server = http.createServer((req, res) => void this.handle(req, res));
  base = '';

  constructor(private readonly signer: TestSigner) {}

  get tokenUrl() {
    return `${this.base}/token`;
  }

  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  reset() {
    this.received.length = 0;
    this.issued.clear();
    this.assertionProblems.length = 0;
    this.tokenMode = 'ok';
    this.expiresIn = 3600;
    this.lineItems = [];
    this.revoked.clear();
  }

  tokenRequests() {
    return this.received.filter((r) => r.url === '/token');
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = req.url ?? '/';
    this.received.push({ method: req.method ?? '', url, headers: req.headers, body });
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    const path = url.split('?')[0];

    if (path === '/token') return this.token(body, json, res);
    if (path === '/slow') return; // never answers

    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    const granted = this.issued.get(token);
    if (!granted || this.revoked.has(token)) return json(401, { error: 'invalid_token' });
    const requireScope = (scope: string) => {
      if (granted.includes(scope)) return true;
      json(403, { error: 'insufficient_scope' });
      return false;
    };

    if (path === '/nrps') {
      if (!requireScope(NRPS_SCOPE)) return;
      const page = new URL(url, this.base).searchParams.get('page') ?? '1';
      if (page === '1') {
        return json(
          200,
          {
            id: `${this.base}/nrps`,
            context: { id: 'ctx-1', label: 'BIO102', title: 'Bio Adventures' },
            members: [
              {
                user_id: 'u1',
                roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'],
                status: 'Active',
                name: 'Ada',
                email: 'ada@example.edu',
              },
              { roles: ['Learner'], name: 'No id' },
            ],
          },
          // Several links, quoted rel values, the next link not first.
          { Link: `<${this.base}/nrps?page=3>; rel="last", <${this.base}/nrps?page=2>; rel="next"` },
        );
      }
      if (page === '2') {
        // Lower-case header name, a relative URL, an unquoted multi-valued rel in upper case.
        res.writeHead(200, {
          'content-type': 'application/json',
          link: '</nrps?page=1>; rel=prev, </nrps?page=3>; rel="NEXT last"',
        });
        res.end(
          JSON.stringify({
            members: [
              { user_id: 'u2', roles: ['Learner'], given_name: 'Bo', family_name: 'Li', lis_person_sourcedid: 'sis-2' },
              { user_id: 'u3', roles: 'Learner' },
            ],
          }),
        );
        return;
      }
      return json(
        200,
        {
          members: [
            { user_id: 'u4', roles: [], status: 'Inactive' },
            { user_id: 'u1', roles: [] },
          ],
        },
        { LINK: `<${this.base}/nrps?page=1>; rel="first"` },
      );
    }

    if (path === '/nrps-loop') {
      if (!requireScope(NRPS_SCOPE)) return;
      const n = Number(new URL(url, this.base).searchParams.get('n') ?? '0');
      return json(200, { members: [] }, { Link: `<${this.base}/nrps-loop?n=${n + 1}>; rel="next"` });
    }

    if (path === '/garbage') return json(200, 'not a container');
    if (path === '/broken') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"members": [');
    }
    if (path === '/fail') return json(500, { error: 'server_error', error_description: 'Database down' });

    if (path === '/course/lineitems' && req.method === 'GET') {
      const readScope = granted.includes(AGS_SCOPES.lineItemReadOnly) || granted.includes(AGS_SCOPES.lineItem);
      if (!readScope) return json(403, { error: 'insufficient_scope' });
      const params = new URL(url, this.base).searchParams;
      const page = params.get('page') ?? '1';
      // The platform ignores the filters: the client must match itself.
      const [first, ...rest] = this.lineItems;
      if (page === '1') {
        const link: Record<string, string> =
          rest.length > 0 ? { Link: `<${this.base}/course/lineitems?page=2>; rel="next"` } : {};
        return json(200, first ? [first] : [], {
          'content-type': 'application/vnd.ims.lis.v2.lineitemcontainer+json',
          ...link,
        });
      }
      return json(200, rest);
    }
    if (path === '/course/lineitems' && req.method === 'POST') {
      if (!requireScope(AGS_SCOPES.lineItem)) return;
      const item = {
        id: `${this.base}/course/lineitems/${this.lineItems.length + 1}/lineitem?type_id=3`,
        ...JSON.parse(body),
      };
      this.lineItems.push(item);
      return json(201, item, { 'content-type': 'application/vnd.ims.lis.v2.lineitem+json' });
    }
    if (/^\/course\/lineitems\/\d+\/lineitem\/scores$/.test(path ?? '') && req.method === 'POST') {
      if (!requireScope(AGS_SCOPES.score)) return;
      res.writeHead(204);
      return res.end();
    }
    json(404, { error: 'not_found' });
  }

  private async token(
    body: string,
    json: (status: number, value: unknown) => void,
    res: http.ServerResponse,
  ): Promise<void> {
    if (this.tokenMode === 'slow') return;
    if (this.tokenMode === 'invalid_client')
      return json(401, { error: 'invalid_client', error_description: 'Unknown client' });
    if (this.tokenMode === 'error500') {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<html><body>Internal Server Error</body></html>');
      return;
    }
    if (this.tokenMode === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"access_token": ');
      return;
    }
    const form = new URLSearchParams(body);
    const problems: string[] = [];
    if (form.get('grant_type') !== 'client_credentials') problems.push('grant_type');
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      problems.push('client_assertion_type');
    }
    try {
      const assertion = form.get('client_assertion') ?? '';
      if (decodeProtectedHeader(assertion).kid !== this.signer.kid) problems.push('kid');
      const { payload } = await jwtVerify(assertion, this.signer.publicKey, {
        algorithms: ['RS256'],
        audience: this.tokenUrl,
        issuer: CLIENT_ID,
        subject: CLIENT_ID,
        requiredClaims: ['iat', 'exp', 'jti'],
        // The tests move the clients' clock forward; the assertion carries that clock.
        currentDate: new Date((payload_iat(assertion) + 1) * 1000),
      });
      if (this.seenJti.has(String(payload.jti))) problems.push('jti reused');
      this.seenJti.add(String(payload.jti));
      const lifetime = Number(payload.exp) - Number(payload.iat);
      if (lifetime <= 0 || lifetime > 600) problems.push(`lifetime ${lifetime}`);
    } catch (err) {
      problems.push(`assertion: ${(err as Error).message}`);
    }
    if (problems.length > 0) {
      this.assertionProblems.push(...problems);
      return json(400, { error: 'invalid_client', error_description: problems.join(', ') });
    }
    const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const accessToken = `token-${this.issued.size + 1}`;
    this.issued.set(accessToken, scopes);
    json(200, { access_token: accessToken, token_type: 'Bearer', expires_in: this.expiresIn, scope: scopes.join(' ') });
  }
}

function payload_iat(jwt: string): number {
  const [, payload] = jwt.split('.');
  return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')).iat;
}

let signer: TestSigner;
let platform: FakePlatform;
let now: Date;
const clock = () => now;

function tokenClient(extra: { timeoutMs?: number } = {}) {
  return createPlatformTokenClient({ tokenUrl: platform.tokenUrl, clientId: CLIENT_ID, signer, clock, ...extra });
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

beforeAll(async () => {
  signer = await createTestSigner();
  platform = new FakePlatform(signer);
  await platform.start();
});
afterAll(() => platform.stop());
afterEach(() => {
  expect(platform.assertionProblems).toStrictEqual([]);
  platform.reset();
  now = new Date('2026-03-10T10:00:00.000Z');
});
now = new Date('2026-03-10T10:00:00.000Z');

describe('token client', () => {
  it('posts a signed client assertion, form-encoded, and returns the access token', async () => {
    const tokens = tokenClient();
    const token = await tokens.getToken([AGS_SCOPES.score, AGS_SCOPES.lineItem]);
    expect(token).toBe('token-1');
    const [request] = platform.tokenRequests();
    expect(request?.method).toBe('POST');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(request?.body);
    expect([...form.keys()].sort()).toStrictEqual(['client_assertion', 'client_assertion_type', 'grant_type', 'scope']);
    expect(form.get('scope')).toBe(`${AGS_SCOPES.lineItem} ${AGS_SCOPES.score}`);
    const assertion = form.get('client_assertion') ?? '';
    expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: 'RS256', kid: 'test-tool-key-1' });
    const { payload } = await jwtVerify(assertion, signer.publicKey, { currentDate: now });
    expect(payload).toMatchObject({
      iss: CLIENT_ID,
      sub: CLIENT_ID,
      aud: platform.tokenUrl,
      iat: now.getTime() / 1000,
    });
    expect(payload.exp).toBe(now.getTime() / 1000 + 300);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('caches per scope set, shares concurrent requests and renews shortly before expiry', async () => {
    const tokens = tokenClient();
    const [a, b, c] = await Promise.all([
      tokens.getToken([NRPS_SCOPE]),
      tokens.getToken([NRPS_SCOPE]),
      tokens.getToken([NRPS_SCOPE, NRPS_SCOPE]),
    ]);
    expect([a, b, c]).toStrictEqual(['token-1', 'token-1', 'token-1']);
    expect(await tokens.getToken([NRPS_SCOPE])).toBe('token-1');
    expect(platform.tokenRequests()).toHaveLength(1);

    // Another scope set is another token; the order of scopes does not matter.
    expect(await tokens.getToken([AGS_SCOPES.score, AGS_SCOPES.lineItem])).toBe('token-2');
    expect(await tokens.getToken([AGS_SCOPES.lineItem, AGS_SCOPES.score])).toBe('token-2');
    expect(platform.tokenRequests()).toHaveLength(2);

    now = new Date(now.getTime() + 3600_000 - 61_000);
    expect(await tokens.getToken([NRPS_SCOPE])).toBe('token-1');
    now = new Date(now.getTime() + 2_000); // within the last minute of its hour: renewed
    expect(await tokens.getToken([NRPS_SCOPE])).toBe('token-3');
    expect(platform.tokenRequests()).toHaveLength(3);
    // Every assertion had its own jti (the fake platform refuses a reused one).
    expect(platform.seenJti.size).toBeGreaterThanOrEqual(3);
  });

  it('maps a refused client (401 invalid_client) to a 502 with the platform’s error', async () => {
    platform.tokenMode = 'invalid_client';
    const err = await rejection(tokenClient().getToken([NRPS_SCOPE]));
    expect(err.code).toBe('bad_gateway');
    expect(err.status).toBe(502);
    expect(err.message).toBe(
      'The platform refused the access token request (HTTP 401: invalid_client: Unknown client)',
    );
  });

  it('maps a 500, malformed JSON and a missing answer to 502s and does not cache failures', async () => {
    const tokens = tokenClient({ timeoutMs: 200 });
    platform.tokenMode = 'error500';
    const e500 = await rejection(tokens.getToken([NRPS_SCOPE]));
    expect(e500.code).toBe('bad_gateway');
    expect(e500.message).toMatch(/HTTP 500: <html><body>Internal Server Error/);

    platform.tokenMode = 'malformed';
    const malformed = await rejection(tokens.getToken([NRPS_SCOPE]));
    expect(malformed.message).toBe('The platform answered the access token request with malformed JSON');

    platform.tokenMode = 'slow';
    const slow = await rejection(tokens.getToken([NRPS_SCOPE]));
    expect(slow.code).toBe('bad_gateway');
    expect(slow.message).toBe('The platform did not answer the access token request within 0.2 s');

    platform.tokenMode = 'ok';
    expect(await tokens.getToken([NRPS_SCOPE])).toBe('token-1');
  });

  it('refuses answers without an access token or with another token type', async () => {
    const answers = [
      { token_type: 'Bearer' },
      { access_token: 'x', token_type: 'mac' },
      { access_token: 'x', expires_in: -1 },
    ];
    for (const answer of answers) {
      const tokens = createPlatformTokenClient({
        tokenUrl: 'https://platform.example/token',
        clientId: CLIENT_ID,
        signer,
        fetch: async () => new Response(JSON.stringify(answer), { status: 200 }),
      });
      const err = await rejection(tokens.getToken([NRPS_SCOPE]));
      expect(err.code).toBe('bad_gateway');
      expect(err.message).toMatch(/^The platform answered the access token request with /);
    }
  });

  it('reports an unreachable platform', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const tokens = createPlatformTokenClient({
      tokenUrl: `http://127.0.0.1:${port}/token`,
      clientId: CLIENT_ID,
      signer,
    });
    const err = await rejection(tokens.getToken([NRPS_SCOPE]));
    expect(err.code).toBe('bad_gateway');
    expect(err.message).toMatch(/^The platform could not be reached for the access token request: ECONNREFUSED/);
  });
});

describe('Link header', () => {
  it('reads several links, quoted and multi-valued rels, in any case', () => {
    const header =
      '<https://a.example/p?x=1,2>; rel="prev", <https://a.example/p?page=3>; title="a, b"; rel="next last"';
    expect(parseLinkHeader(header)).toStrictEqual([
      { url: 'https://a.example/p?x=1,2', rels: ['prev'] },
      { url: 'https://a.example/p?page=3', rels: ['next', 'last'] },
    ]);
    expect(findLink(header, 'next', 'https://a.example/')).toBe('https://a.example/p?page=3');
    expect(findLink('</p/2>; REL=Next', 'next', 'https://a.example/p/1')).toBe('https://a.example/p/2');
    expect(findLink('<https://a.example/p/1>; rel="first"', 'next', 'https://a.example/')).toBeUndefined();
    expect(findLink(null, 'next', 'https://a.example/')).toBeUndefined();
    expect(parseLinkHeader('garbage, <>; rel=next')).toStrictEqual([]);
  });
});

describe('NRPS', () => {
  it('reads all members across three pages with the NRPS media type and a bearer token', async () => {
    const tokens = tokenClient();
    const result = await fetchMemberships({ url: `${platform.base}/nrps?page=1`, tokens });
    expect(result.context).toStrictEqual({ id: 'ctx-1', label: 'BIO102', title: 'Bio Adventures' });
    expect(result.members).toStrictEqual([
      {
        user_id: 'u1',
        roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'],
        status: 'Active',
        name: 'Ada',
        email: 'ada@example.edu',
      },
      {
        user_id: 'u2',
        roles: ['Learner'],
        status: 'Active',
        given_name: 'Bo',
        family_name: 'Li',
        lis_person_sourcedid: 'sis-2',
      },
      { user_id: 'u4', roles: [], status: 'Inactive' },
    ]);
    expect(result.skipped).toStrictEqual([
      { page: 1, index: 1, reason: 'user_id missing or not a string' },
      { page: 2, index: 1, reason: 'roles not an array of strings' },
    ]);
    const pages = platform.received.filter((r) => r.url.startsWith('/nrps'));
    expect(pages.map((r) => r.url)).toStrictEqual(['/nrps?page=1', '/nrps?page=2', '/nrps?page=3']);
    for (const page of pages) {
      expect(page.method).toBe('GET');
      expect(page.headers.accept).toBe('application/vnd.ims.lti-nrps.v2.membershipcontainer+json');
      expect(page.headers.authorization).toBe('Bearer token-1');
    }
    expect(platform.tokenRequests()).toHaveLength(1);
    expect(new URLSearchParams(platform.tokenRequests()[0]?.body).get('scope')).toBe(NRPS_SCOPE);
  });

  it('stops at the page cap rather than following next links forever', async () => {
    const err = await rejection(
      fetchMemberships({ url: `${platform.base}/nrps-loop?n=0`, tokens: tokenClient(), maxPages: 5 }),
    );
    expect(err.code).toBe('bad_gateway');
    expect(err.message).toBe("The platform's membership list has more than 5 pages");
    expect(platform.received.filter((r) => r.url.startsWith('/nrps-loop'))).toHaveLength(5);
  });

  it('maps 500, malformed JSON, a body without members and a timeout to 502s', async () => {
    const tokens = tokenClient();
    const e500 = await rejection(fetchMemberships({ url: `${platform.base}/fail`, tokens }));
    expect(e500.message).toBe('The platform refused the membership request (HTTP 500: server_error: Database down)');
    const broken = await rejection(fetchMemberships({ url: `${platform.base}/broken`, tokens }));
    expect(broken.message).toBe('The platform answered the membership request with malformed JSON');
    const garbage = await rejection(fetchMemberships({ url: `${platform.base}/garbage`, tokens }));
    expect(garbage.message).toBe('The platform answered the membership request without a members array');
    const slow = await rejection(fetchMemberships({ url: `${platform.base}/slow`, tokens, timeoutMs: 200 }));
    expect(slow.message).toBe('The platform did not answer the membership request within 0.2 s');
    for (const err of [e500, broken, garbage, slow]) expect(err.code).toBe('bad_gateway');
  });

  it('retries once with a fresh token when the platform answers 401', async () => {
    const tokens = tokenClient();
    await tokens.getToken([NRPS_SCOPE]);
    platform.revoked.add('token-1');
    const result = await fetchMemberships({ url: `${platform.base}/nrps?page=1`, tokens });
    expect(result.members).toHaveLength(3);
    const auth = platform.received.filter((r) => r.url.startsWith('/nrps')).map((r) => r.headers.authorization);
    expect(auth).toStrictEqual(['Bearer token-1', 'Bearer token-2', 'Bearer token-2', 'Bearer token-2']);
  });
});

describe('AGS', () => {
  it('creates a line item, finds it again by resourceId and tag, and posts a score to a Moodle-style URL', async () => {
    const ags = createAgsClient({ tokens: tokenClient() });
    const lineitems = `${platform.base}/course/lineitems`;
    const first = await ags.findOrCreateLineItem(lineitems, {
      scoreMaximum: 10,
      label: 'Remedial quiz: gradient descent',
      resourceId: 'quiz-42',
      tag: 'class-assist-quiz',
      resourceLinkId: 'rl-1',
    });
    expect(first.created).toBe(true);
    expect(first.lineItem).toStrictEqual({
      id: `${platform.base}/course/lineitems/1/lineitem?type_id=3`,
      scoreMaximum: 10,
      label: 'Remedial quiz: gradient descent',
      resourceId: 'quiz-42',
      tag: 'class-assist-quiz',
      resourceLinkId: 'rl-1',
    });
    await ags.createLineItem(lineitems, { scoreMaximum: 5, label: 'Other', resourceId: 'quiz-43' });

    const again = await ags.findOrCreateLineItem(lineitems, {
      scoreMaximum: 10,
      label: 'Remedial quiz: gradient descent',
      resourceId: 'quiz-42',
      tag: 'class-assist-quiz',
      resourceLinkId: 'rl-1',
    });
    expect(again).toStrictEqual({ lineItem: first.lineItem, created: false });
    const other = await ags.findOrCreateLineItem(lineitems, { scoreMaximum: 5, label: 'Other', resourceId: 'quiz-43' });
    expect(other.created).toBe(false);
    expect(platform.lineItems).toHaveLength(2);

    await ags.postScore(first.lineItem.id, {
      userId: 'u2',
      scoreGiven: 7.5,
      scoreMaximum: 10,
      comment: 'Well done',
      timestamp: '2026-03-10T10:05:00.000Z',
    });

    const received = platform.received.filter((r) => r.url !== '/token');
    const creates = received.filter((r) => r.method === 'POST' && r.url === '/course/lineitems');
    expect(creates).toHaveLength(2);
    expect(creates[0]?.headers['content-type']).toBe('application/vnd.ims.lis.v2.lineitem+json');
    expect(creates[0]?.headers.accept).toBe('application/vnd.ims.lis.v2.lineitem+json');
    expect(JSON.parse(creates[0]?.body ?? '')).toStrictEqual({
      scoreMaximum: 10,
      label: 'Remedial quiz: gradient descent',
      resourceId: 'quiz-42',
      tag: 'class-assist-quiz',
      resourceLinkId: 'rl-1',
    });
    const lists = received.filter((r) => r.method === 'GET');
    expect(lists[0]?.url).toBe('/course/lineitems?resource_link_id=rl-1&resource_id=quiz-42&tag=class-assist-quiz');
    expect(lists[0]?.headers.accept).toBe('application/vnd.ims.lis.v2.lineitemcontainer+json');
    // The second lookup followed the next link to page 2.
    expect(lists.map((r) => r.url)).toContain('/course/lineitems?page=2');

    const score = received.find((r) => r.url.includes('/scores'));
    expect(score?.url).toBe('/course/lineitems/1/lineitem/scores?type_id=3');
    expect(score?.headers['content-type']).toBe('application/vnd.ims.lis.v1.score+json');
    expect(JSON.parse(score?.body ?? '')).toStrictEqual({
      userId: 'u2',
      scoreGiven: 7.5,
      scoreMaximum: 10,
      comment: 'Well done',
      timestamp: '2026-03-10T10:05:00.000Z',
      activityProgress: 'Completed',
      gradingProgress: 'FullyGraded',
    });

    // One token per scope set: lineitem.readonly, lineitem, score.
    const scopes = platform.tokenRequests().map((r) => new URLSearchParams(r.body).get('scope'));
    expect(scopes).toStrictEqual([AGS_SCOPES.lineItemReadOnly, AGS_SCOPES.lineItem, AGS_SCOPES.score]);
    const bearer = (r: Received) => platform.issued.get((r.headers.authorization ?? '').slice(7));
    expect(bearer(score as Received)).toStrictEqual([AGS_SCOPES.score]);
    expect(bearer(creates[0] as Received)).toStrictEqual([AGS_SCOPES.lineItem]);
  });

  it('reads line items with the lineitem scope when the platform does not offer lineitem.readonly', async () => {
    const ags = createAgsClient({ tokens: tokenClient(), availableScopes: [AGS_SCOPES.lineItem, AGS_SCOPES.score] });
    expect(await ags.listLineItems(`${platform.base}/course/lineitems`)).toStrictEqual([]);
    expect(new URLSearchParams(platform.tokenRequests()[0]?.body).get('scope')).toBe(AGS_SCOPES.lineItem);
  });

  it('shares one lookup between concurrent find-or-create calls', async () => {
    const ags = createAgsClient({ tokens: tokenClient() });
    const item = { scoreMaximum: 3, label: 'Quiz', tag: 'quiz-7' };
    const [a, b] = await Promise.all([
      ags.findOrCreateLineItem(`${platform.base}/course/lineitems`, item),
      ags.findOrCreateLineItem(`${platform.base}/course/lineitems`, item),
    ]);
    expect(a).toBe(b);
    expect(platform.lineItems).toHaveLength(1);
  });

  it('builds scores URLs in the path, before any query', () => {
    expect(scoresUrl('https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3')).toBe(
      'https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=3',
    );
    expect(scoresUrl('https://canvas.example/api/lti/courses/1/line_items/9/')).toBe(
      'https://canvas.example/api/lti/courses/1/line_items/9/scores',
    );
  });

  it('refuses invalid line items and scores before calling the platform', async () => {
    const ags = createAgsClient({ tokens: tokenClient() });
    const lineitems = `${platform.base}/course/lineitems`;
    const noKey = await rejection(ags.findOrCreateLineItem(lineitems, { scoreMaximum: 1, label: 'x' }));
    expect(noKey.code).toBe('validation_failed');
    const badItem = await rejection(ags.createLineItem(lineitems, { scoreMaximum: 0, label: ' ' }));
    expect(badItem.details?.map((d) => d.path)).toStrictEqual(['scoreMaximum', 'label']);
    const badScore = await rejection(
      ags.postScore(`${lineitems}/1/lineitem`, {
        userId: '',
        scoreGiven: -1,
        scoreMaximum: 10,
        timestamp: '2026-03-10 10:00',
      }),
    );
    expect(badScore.details?.map((d) => d.path)).toStrictEqual(['userId', 'scoreGiven', 'timestamp']);
    expect(platform.received).toStrictEqual([]);
  });

  it('maps a refused score (insufficient scope is a 403) to a 502', async () => {
    const tokens = tokenClient();
    const ags = createAgsClient({ tokens, fetch: (url, init) => fetch(String(url).replace('/scores', '/nope'), init) });
    const err = await rejection(
      ags.postScore(`${platform.base}/course/lineitems/1/lineitem`, {
        userId: 'u1',
        scoreGiven: 1,
        scoreMaximum: 1,
        timestamp: new Date('2026-03-10T10:00:00Z'),
      }),
    );
    expect(err.code).toBe('bad_gateway');
    expect(err.message).toBe('The platform refused the score (HTTP 404: not_found)');
  });
});
