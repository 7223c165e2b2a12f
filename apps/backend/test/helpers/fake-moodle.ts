/**
 * A fake Moodle Web Services endpoint on loopback (node:http, 127.0.0.1, a free port) for tests:
 * `POST /webservice/rest/server.php` with form fields `wstoken`, `wsfunction`, `moodlewsrestformat=json` and
 * Moodle's array syntax (`messages[0][touserid]=5`). Like Moodle, it answers errors with HTTP 200 and
 * `{"exception","errorcode","message"}`: a wrong token gives `invalidtoken`, an unknown function or course
 * `invalidrecord`, a missing parameter `invalidparameter`.
 *
 *   core_message_send_instant_messages   one result per message: `{msgid, clientmsgid, text, …}`, or
 *                                        `{msgid: -1, clientmsgid, errormessage}` for users set up with
 *                                        `failMessagesTo(userId, reason)` or not known to any course
 *   core_enrol_get_enrolled_users        `[{id, fullname, email, roles: [{roleid, name, shortname, sortorder}]}]`;
 *                                        `options[i][name]=onlyactive` leaves out suspended users
 *
 *   const moodle = await startFakeMoodle({ token: 'ws-token' });
 *   moodle.addCourse('12', [{ id: '5', fullname: 'Ada L', email: 'ada@example.edu', roles: ['student'] }]);
 *   moodle.failMessagesTo('6', 'The user has blocked you');
 *   moodle.throwNext(1, { exception: 'dml_exception', errorcode: 'dbconnectionfailed', message: '…' });
 *   moodle.failNext(1, '500');                  // also 'rate-limit' (a 429), '429', 'drop', 'delay'
 *   ... moodle.messages, moodle.requests (wstoken removed), moodle.maxConcurrency ...
 *   await moodle.close();
 *
 * Fault `pathPrefix` also matches a wsfunction name, so a fault can target one function.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  applyFault,
  ConcurrencyMeter,
  closeServer,
  type FaultKind,
  type FaultOptions,
  FaultQueue,
  type RecordedLmsRequest,
  readForm,
  sendJson,
  withoutCredentials,
} from './fake-lms.js';

export interface FakeMoodleUser {
  id: string;
  fullname: string;
  email?: string;
  /** Role shortnames; default `['student']`. */
  roles?: string[];
  suspended?: boolean;
}

/** One message Moodle delivered. */
export interface FakeMoodleMessage {
  msgId: string;
  toUserId: string;
  text: string;
  textFormat: string;
  clientMsgId?: string;
}

export interface MoodleExceptionBody {
  exception: string;
  errorcode: string;
  message: string;
}

export interface FakeMoodle {
  /** `http://127.0.0.1:PORT`: the client's `baseUrl` (the wwwroot). */
  baseUrl: string;
  token: string;
  /** Every request; `form` has `wstoken` removed and `authorized` says whether it was right. */
  requests: Array<RecordedLmsRequest & { wsfunction: string }>;
  /** Messages delivered (not the failed ones). */
  messages: FakeMoodleMessage[];
  readonly maxConcurrency: number;
  addCourse(id: string, users: FakeMoodleUser[]): void;
  /** Messages to this user fail with `msgid: -1` and this `errormessage`. */
  failMessagesTo(userId: string, reason?: string): void;
  /** The next `n` (authorised) calls answer HTTP 200 with this exception. */
  throwNext(n: number, exception: MoodleExceptionBody): void;
  failNext(n: number, kind: FaultKind, options?: FaultOptions): void;
  reset(): void;
  close(): Promise<void>;
}

const ROLE_IDS: Record<string, number> = { manager: 1, editingteacher: 3, teacher: 4, student: 5 };

export async function startFakeMoodle(options: { token?: string } = {}): Promise<FakeMoodle> {
  const token = options.token ?? 'moodle-test-token-0123456789';
  const courses = new Map<string, FakeMoodleUser[]>();
  const failingUsers = new Map<string, string>();
  const faults = new FaultQueue();
  const meter = new ConcurrencyMeter();
  let thrown: { remaining: number; body: MoodleExceptionBody } | undefined;
  let nextMsgId = 500;
  const requests: FakeMoodle['requests'] = [];
  const messages: FakeMoodleMessage[] = [];
  const knownUser = (id: string) => [...courses.values()].some((users) => users.some((u) => u.id === id));

  const functions: Record<string, (form: Record<string, unknown>) => unknown> = {
    core_message_send_instant_messages: (form) => {
      const list = listOf(form.messages);
      if (list.length === 0) return invalidParameter('messages');
      return list.map((m) => {
        const toUserId = String(m.touserid ?? '');
        const clientmsgid = m.clientmsgid === undefined ? undefined : String(m.clientmsgid);
        const reason = failingUsers.get(toUserId) ?? (knownUser(toUserId) ? undefined : 'Invalid user');
        if (reason !== undefined) return { msgid: -1, clientmsgid, errormessage: reason };
        nextMsgId += 1;
        const msgId = String(nextMsgId);
        const text = String(m.text ?? '');
        messages.push({
          msgId,
          toUserId,
          text,
          textFormat: String(m.textformat ?? '1'),
          ...(clientmsgid ? { clientMsgId: clientmsgid } : {}),
        });
        return {
          msgid: Number(msgId),
          clientmsgid,
          text,
          timecreated: Math.floor(Date.now() / 1000),
          conversationid: Number(toUserId),
          useridfrom: 2,
          candeletemessagesforallusers: false,
        };
      });
    },
    core_enrol_get_enrolled_users: (form) => {
      if (form.courseid === undefined) return invalidParameter('courseid');
      const users = courses.get(String(form.courseid));
      if (!users)
        return {
          exception: 'dml_missing_record_exception',
          errorcode: 'invalidrecord',
          message: "Can't find data record in database table course.",
        };
      const onlyActive = listOf(form.options).some((o) => o.name === 'onlyactive' && String(o.value) === '1');
      return users
        .filter((u) => !(onlyActive && u.suspended))
        .map((u) => ({
          id: Number(u.id),
          username: `user${u.id}`,
          fullname: u.fullname,
          ...(u.email ? { email: u.email } : {}),
          roles: (u.roles ?? ['student']).map((shortname, i) => ({
            roleid: ROLE_IDS[shortname] ?? 9,
            name: '',
            shortname,
            sortorder: i,
          })),
        }));
    },
  };

  const server = http.createServer(async (req, res) => {
    meter.track(res);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const { wstoken, ...form } = (await readForm(req)) ?? {};
    const wsfunction = String(form.wsfunction ?? '');
    const authorized = wstoken === token;
    const record = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: {},
      form,
      headers: withoutCredentials(req.headers),
      authorized,
      wsfunction,
    } as FakeMoodle['requests'][number];
    requests.push(record);
    const fault = faults.take(url.pathname, wsfunction);
    if (fault) {
      record.fault = fault.kind;
      const done = await applyFault(fault, req, res, (r, headers) =>
        r.writeHead(429, { 'content-type': 'text/plain', ...headers }).end('429 Too Many Requests'),
      );
      if (done) return;
    }
    if (req.method !== 'POST' || url.pathname !== '/webservice/rest/server.php') {
      return sendJson(res, 404, { error: 'Not found' });
    }
    if (!authorized) {
      return sendJson(res, 200, {
        exception: 'moodle_exception',
        errorcode: 'invalidtoken',
        message: 'Invalid token - token not found',
      });
    }
    if (thrown && thrown.remaining > 0) {
      thrown.remaining -= 1;
      return sendJson(res, 200, thrown.body);
    }
    const fn = functions[wsfunction];
    if (!fn) {
      return sendJson(res, 200, {
        exception: 'dml_missing_record_exception',
        errorcode: 'invalidrecord',
        message: "Can't find data record in database table external_functions.",
      });
    }
    sendJson(res, 200, fn(form));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    token,
    requests,
    messages,
    get maxConcurrency() {
      return meter.max;
    },
    addCourse: (id, users) => {
      courses.set(id, [...(courses.get(id) ?? []), ...users]);
    },
    failMessagesTo: (userId, reason = 'Message was not sent.') => {
      failingUsers.set(userId, reason);
    },
    throwNext: (n, body) => {
      thrown = { remaining: n, body };
    },
    failNext: (n, kind, options) => faults.add(n, kind, options),
    reset: () => {
      requests.length = 0;
      messages.length = 0;
      faults.clear();
      thrown = undefined;
      meter.max = meter.current;
    },
    close: () => closeServer(server),
  };
}

/** A Moodle list parameter (`x[0][…]`, parsed as an object with numeric keys) as an array, in index order. */
function listOf(value: unknown): Array<Record<string, unknown>> {
  if (!value || typeof value !== 'object') return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return entries
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, v]) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {}));
}

function invalidParameter(name: string): MoodleExceptionBody {
  return {
    exception: 'invalid_parameter_exception',
    errorcode: 'invalidparameter',
    message: `Invalid parameter value detected (Missing required key in single structure: ${name})`,
  };
}
