/** The Moodle client against a fake Moodle on loopback: messages, enrolled users, exceptions, retries, logging. */
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LmsError } from '../src/lms/lms-error.js';
import { createMoodleClient, type MoodleClientOptions } from '../src/lms/moodle-client.js';
import { type FakeMoodle, startFakeMoodle } from './helpers/fake-moodle.js';

const FAST = { retries: 3, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 2_000 };
const COURSE = '12';

let moodle: FakeMoodle;

function client(overrides: Partial<MoodleClientOptions> = {}) {
  return createMoodleClient({ baseUrl: moodle.baseUrl, token: moodle.token, http: FAST, ...overrides });
}

beforeAll(async () => {
  moodle = await startFakeMoodle({ token: 'moodle-ws-secret-token-0099' });
  moodle.addCourse(COURSE, [
    { id: '5', fullname: 'Ada Lovelace', email: 'ada@example.edu', roles: ['student'] },
    { id: '6', fullname: 'Blocked Bob', roles: ['student'] },
    { id: '7', fullname: 'Teacher Tess', email: 'tess@example.edu', roles: ['editingteacher'] },
    { id: '8', fullname: 'Suspended Sam', roles: ['student'], suspended: true },
  ]);
  moodle.failMessagesTo('6', 'The user is blocking you');
});
afterAll(() => moodle.close());
beforeEach(() => moodle.reset());

describe('sendMessages', () => {
  it("reports each message on its own: sent ones with their id, refused ones with Moodle's reason", async () => {
    const results = await client().sendMessages([
      { toUserId: '5', text: '<p>See slide 4</p>', clientMsgId: 'out-1' },
      { toUserId: '6', text: '<p>See slide 4</p>', clientMsgId: 'out-2' },
    ]);

    expect(results).toEqual([
      { toUserId: '5', clientMsgId: 'out-1', ok: true, msgId: expect.stringMatching(/^\d+$/) },
      { toUserId: '6', clientMsgId: 'out-2', ok: false, reason: 'The user is blocking you' },
    ]);
    expect(moodle.messages).toEqual([
      expect.objectContaining({ toUserId: '5', text: '<p>See slide 4</p>', textFormat: '1', clientMsgId: 'out-1' }),
    ]);
    const [request] = moodle.requests;
    expect(request).toMatchObject({
      method: 'POST',
      path: '/webservice/rest/server.php',
      wsfunction: 'core_message_send_instant_messages',
      authorized: true,
    });
    expect(request?.form).toMatchObject({
      moodlewsrestformat: 'json',
      messages: { 0: { touserid: '5', textformat: '1', clientmsgid: 'out-1' } },
    });
    expect(request?.headers['user-agent']).toMatch(/^ClassAssist\//);
  });

  it('sends nothing for an empty list', async () => {
    await expect(client().sendMessages([])).resolves.toEqual([]);
    expect(moodle.requests).toHaveLength(0);
  });

  it('splits large lists into batches and keeps the order', async () => {
    const messages = Array.from({ length: 5 }, (_, i) => ({ toUserId: '5', text: `m${i}`, clientMsgId: `c${i}` }));
    const results = await client({ messageBatchSize: 2 }).sendMessages(messages);
    expect(results.map((r) => r.clientMsgId)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(moodle.requests).toHaveLength(3);
  });

  it.each(['500', 'drop', 'rate-limit'] as const)('retries after %s and delivers exactly once', async (kind) => {
    moodle.failNext(2, kind);
    await client().sendMessages([{ toUserId: '5', text: 'hi', clientMsgId: 'once' }]);
    expect(moodle.requests).toHaveLength(3);
    expect(moodle.messages).toHaveLength(1);
  });

  it('reports HTTP 5xx after retries as unavailable (not permanent)', async () => {
    moodle.failNext(10, '500');
    await expect(client().sendMessages([{ toUserId: '5', text: 'hi', clientMsgId: 'x' }])).rejects.toMatchObject({
      kind: 'unavailable',
      permanent: false,
      status: 500,
    });
    expect(moodle.requests).toHaveLength(4);
  });
});

describe('exceptions sent with HTTP 200', () => {
  it('maps invalidtoken to a permanent auth error, without retrying or leaking the token', async () => {
    const token = 'not-the-right-token-31337';
    const error = await client({ token })
      .listEnrolledUsers(COURSE)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LmsError);
    expect(error).toMatchObject({ kind: 'auth', permanent: true });
    expect((error as Error).message).toMatch(
      /^Moodle refused the token \(invalidtoken: Invalid token - token not found\)/,
    );
    expect((error as Error).message).not.toContain(token);
    expect(moodle.requests).toHaveLength(1);
  });

  it.each([
    ['accessexception', 'webservice_access_exception', 'permission'],
    ['nopermissions', 'required_capability_exception', 'permission'],
    ['requireloginerror', 'require_login_exception', 'permission'],
    ['invalidparameter', 'invalid_parameter_exception', 'invalid'],
    ['somethingodd', 'moodle_exception', 'protocol'],
  ] as const)('maps %s to %s (permanent)', async (errorcode, exception, kind) => {
    moodle.throwNext(1, { exception, errorcode, message: 'Moodle says no' });
    await expect(client().listEnrolledUsers(COURSE)).rejects.toMatchObject({
      kind,
      permanent: true,
      message: /Moodle says no/,
    });
    expect(moodle.requests).toHaveLength(1);
  });

  it('retries a transient exception (dbconnectionfailed) and then succeeds', async () => {
    moodle.throwNext(2, { exception: 'dml_connection_exception', errorcode: 'dbconnectionfailed', message: 'DB down' });
    await expect(client().listEnrolledUsers(COURSE)).resolves.toHaveLength(3);
    expect(moodle.requests).toHaveLength(3);
  });

  it('reports a transient exception that persists as unavailable, not permanent', async () => {
    moodle.throwNext(10, {
      exception: 'dml_connection_exception',
      errorcode: 'dbconnectionfailed',
      message: 'DB down',
    });
    await expect(client().listEnrolledUsers(COURSE)).rejects.toMatchObject({ kind: 'unavailable', permanent: false });
  });

  it('reports an unknown course as not_found', async () => {
    await expect(client().listEnrolledUsers('404')).rejects.toMatchObject({ kind: 'not_found', permanent: true });
  });
});

describe('listEnrolledUsers', () => {
  it('lists active enrolments with role shortnames', async () => {
    const users = await client().listEnrolledUsers(COURSE);
    expect(users).toEqual([
      { id: '5', fullname: 'Ada Lovelace', email: 'ada@example.edu', roles: ['student'] },
      { id: '6', fullname: 'Blocked Bob', roles: ['student'] },
      { id: '7', fullname: 'Teacher Tess', email: 'tess@example.edu', roles: ['editingteacher'] },
    ]);
    expect(moodle.requests[0]?.form).toMatchObject({ wsfunction: 'core_enrol_get_enrolled_users', courseid: COURSE });
  });
});

describe('serialisation and logging', () => {
  it('runs calls with the same token one at a time', async () => {
    moodle.failNext(4, 'delay', { ms: 20 });
    const a = client();
    await Promise.all([
      a.listEnrolledUsers(COURSE),
      client().sendMessages([{ toUserId: '5', text: 'x', clientMsgId: '1' }]),
      a.sendMessages([{ toUserId: '5', text: 'y', clientMsgId: '2' }]),
      a.listEnrolledUsers(COURSE),
    ]);
    expect(moodle.maxConcurrency).toBe(1);
  });

  it('never logs the token (it travels in the form body)', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    moodle.failNext(1, 'drop');
    await client({ log }).sendMessages([{ toUserId: '5', text: 'hello', clientMsgId: 'l1' }]);
    await client({ log, token: 'leaky-wrong-token-777777' })
      .listEnrolledUsers(COURSE)
      .catch(() => undefined);

    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      lms: 'Moodle',
      method: 'POST',
      path: '/webservice/rest/server.php',
      op: 'core_message_send_instant_messages',
      status: null,
      attempt: 1,
    });
    expect(JSON.parse(lines[1] ?? '{}')).toMatchObject({ status: 200, attempt: 2 });
    const all = lines.join('\n');
    expect(all).not.toContain(moodle.token);
    expect(all).not.toContain('leaky-wrong-token-777777');
    expect(all).not.toContain('hello');
  });
});
