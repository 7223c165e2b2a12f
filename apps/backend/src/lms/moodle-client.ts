/**
 * A thin, typed client for the Moodle Web Services (REST protocol) Class Assist calls: send instant messages
 * (failures reported per recipient, as Moodle does) and list a course's enrolled users with their roles.
 * Moodle answers most errors with HTTP 200 and `{"exception","errorcode","message"}`; those become `LmsError`s
 * by error code. Requests go through `lms-http` (retries, per-token serialisation, safe logging).
 */
import type { Logger } from 'pino';
import { LmsError, type LmsErrorKind } from './lms-error.js';
import {
  createLmsHttp,
  describeRequest,
  excerpt,
  type LmsResponse,
  type RetryOptions,
  statusError,
} from './lms-http.js';

export interface MoodleClientOptions {
  /** The Moodle wwwroot, e.g. `https://moodle.school.edu`. */
  baseUrl: string;
  /** A web service token (sent as the `wstoken` form field). */
  token: string;
  log?: Logger;
  http?: Partial<RetryOptions>;
  /** Named in the `User-Agent`. */
  publicUrl?: string;
  /** Messages per `core_message_send_instant_messages` request. Default 100. */
  messageBatchSize?: number;
}

export interface MoodleOutgoingMessage {
  toUserId: string;
  /** HTML (sent with `textformat=1`). */
  text: string;
  /** Echoed back by Moodle; lets a caller match results to its own records. */
  clientMsgId: string;
}

export type MoodleSendResult =
  | { toUserId: string; clientMsgId: string; ok: true; msgId: string }
  | { toUserId: string; clientMsgId: string; ok: false; reason: string };

export interface MoodleEnrolledUser {
  id: string;
  fullname: string;
  email?: string;
  /** Role shortnames in the course, e.g. `student`, `editingteacher`. */
  roles: string[];
}

export interface MoodleClient {
  /** One result per message, in order; a message Moodle refused (`msgid: -1`) is a failed result, not a throw. */
  sendMessages(messages: MoodleOutgoingMessage[]): Promise<MoodleSendResult[]>;
  /** Users with an active enrolment in the course, with their role shortnames. */
  listEnrolledUsers(courseId: string): Promise<MoodleEnrolledUser[]>;
}

/** Error codes meaning "try again later" (the database or site is briefly unavailable). */
const TRANSIENT_ERROR_CODES = new Set([
  'dbconnectionfailed',
  'sitemaintenance',
  'dmlreadexception',
  'dmlwriteexception',
]);

const ERROR_KINDS: Record<string, LmsErrorKind> = {
  invalidtoken: 'auth',
  accessexception: 'permission',
  nopermissions: 'permission',
  requireloginerror: 'permission',
  invalidparameter: 'invalid',
  invalid_parameter_exception: 'invalid',
  invalidrecord: 'not_found',
};

type Params = Record<string, string | number | boolean | ParamValue[] | Record<string, unknown>>;
type ParamValue = string | number | boolean | Record<string, unknown>;

export function createMoodleClient(options: MoodleClientOptions): MoodleClient {
  const endpoint = `${options.baseUrl.replace(/\/+$/, '')}/webservice/rest/server.php`;
  const http = createLmsHttp({
    lms: 'Moodle',
    token: options.token,
    describeError: excerpt,
    ...(options.log ? { log: options.log } : {}),
    ...(options.http ? { http: options.http } : {}),
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
  });
  const batchSize = options.messageBatchSize ?? 100;

  /** Calls one web service function and returns its JSON; exceptions become LmsErrors. */
  async function call(wsfunction: string, params: Params): Promise<unknown> {
    const form = new URLSearchParams({ wstoken: options.token, wsfunction, moodlewsrestformat: 'json' });
    for (const [key, value] of Object.entries(params)) flatten(form, key, value);
    const request = { method: 'POST' as const, url: endpoint, body: form, op: wsfunction };
    const response = await http.request({ ...request, retryIf: isTransientException });
    const where = describeRequest(request);
    if (response.status < 200 || response.status >= 300) {
      throw statusError('Moodle', response.status, excerpt(response.text), where, options.token);
    }
    let json: unknown;
    try {
      json = response.text.trim() ? JSON.parse(response.text) : null;
    } catch (cause) {
      throw new LmsError(
        'protocol',
        `Moodle answered ${wsfunction} with something that is not JSON: ${excerpt(response.text)}`,
        {
          cause,
          redact: [options.token],
        },
      );
    }
    const exception = exceptionOf(json);
    if (exception) throw moodleError(exception, wsfunction, options.token);
    return json;
  }

  async function sendBatch(batch: MoodleOutgoingMessage[]): Promise<MoodleSendResult[]> {
    const messages = batch.map((m) => ({
      touserid: m.toUserId,
      text: m.text,
      textformat: 1,
      clientmsgid: m.clientMsgId,
    }));
    const json = await call('core_message_send_instant_messages', { messages });
    if (!Array.isArray(json) || json.length !== batch.length) {
      throw new LmsError('protocol', 'Moodle did not answer one result per message');
    }
    return batch.map((message, i) => toResult(message, json[i] as Record<string, unknown>));
  }

  return {
    async sendMessages(messages) {
      const results: MoodleSendResult[] = [];
      for (let i = 0; i < messages.length; i += batchSize)
        results.push(...(await sendBatch(messages.slice(i, i + batchSize))));
      return results;
    },

    async listEnrolledUsers(courseId) {
      const json = await call('core_enrol_get_enrolled_users', {
        courseid: courseId,
        options: [{ name: 'onlyactive', value: 1 }],
      });
      if (!Array.isArray(json)) throw new LmsError('protocol', 'Moodle answered the enrolled users with no array');
      return json.map((user: Record<string, unknown>) => toUser(user));
    },
  };
}

function toResult(message: MoodleOutgoingMessage, entry: Record<string, unknown> | undefined): MoodleSendResult {
  const base = { toUserId: message.toUserId, clientMsgId: message.clientMsgId };
  const msgId = entry?.msgid;
  if ((typeof msgId === 'number' || typeof msgId === 'string') && Number(msgId) > 0) {
    return { ...base, ok: true, msgId: String(msgId) };
  }
  const reason =
    typeof entry?.errormessage === 'string' && entry.errormessage ? entry.errormessage : 'Moodle did not send it';
  return { ...base, ok: false, reason };
}

function toUser(user: Record<string, unknown>): MoodleEnrolledUser {
  if (typeof user.id !== 'number' && typeof user.id !== 'string') {
    throw new LmsError('protocol', 'Moodle answered with an enrolled user without an id');
  }
  const roles = Array.isArray(user.roles)
    ? user.roles.map((r: { shortname?: unknown }) => r?.shortname).filter((s): s is string => typeof s === 'string')
    : [];
  return {
    id: String(user.id),
    fullname: typeof user.fullname === 'string' ? user.fullname : '',
    ...(typeof user.email === 'string' && user.email ? { email: user.email } : {}),
    roles,
  };
}

interface MoodleException {
  exception: string;
  errorcode: string;
  message: string;
}

function exceptionOf(json: unknown): MoodleException | undefined {
  if (!json || typeof json !== 'object' || Array.isArray(json) || !('exception' in json)) return undefined;
  const record = json as Record<string, unknown>;
  return {
    exception: String(record.exception),
    errorcode: typeof record.errorcode === 'string' ? record.errorcode : '',
    message: typeof record.message === 'string' ? record.message : '',
  };
}

function isTransientException(response: LmsResponse): boolean {
  if (response.status !== 200 || !response.text.includes('"exception"')) return false;
  try {
    const exception = exceptionOf(JSON.parse(response.text));
    return exception !== undefined && TRANSIENT_ERROR_CODES.has(exception.errorcode);
  } catch {
    return false;
  }
}

/** A Moodle exception as an LmsError, by error code (then by exception class). */
export function moodleError(exception: MoodleException, wsfunction: string, token: string): LmsError {
  const said = `${exception.errorcode || exception.exception}${exception.message ? `: ${exception.message}` : ''}`;
  const redact = [token];
  if (TRANSIENT_ERROR_CODES.has(exception.errorcode)) {
    return new LmsError('unavailable', `Moodle is temporarily unavailable for ${wsfunction} (${said})`, { redact });
  }
  const kind = ERROR_KINDS[exception.errorcode] ?? ERROR_KINDS[exception.exception] ?? 'protocol';
  const lead: Record<LmsErrorKind, string> = {
    auth: 'Moodle refused the token',
    permission: `Moodle denied permission for ${wsfunction}`,
    invalid: `Moodle rejected the parameters of ${wsfunction}`,
    not_found: `Moodle found no such record for ${wsfunction}`,
    protocol: `Moodle failed ${wsfunction}`,
    rate_limited: 'Moodle is rate limiting our requests',
    unavailable: 'Moodle is unavailable',
  };
  return new LmsError(kind, `${lead[kind]} (${said})`, { redact });
}

/** Moodle's array syntax: `messages[0][touserid]=5`; booleans as 0/1. */
function flatten(form: URLSearchParams, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value === 'boolean') form.append(key, value ? '1' : '0');
  else if (typeof value === 'object') {
    // Arrays too: their entries are keyed by index.
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(form, `${key}[${k}]`, v);
  } else form.append(key, String(value));
}
