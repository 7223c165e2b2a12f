/**
 * A thin, typed client for the Canvas REST calls Class Assist makes: message students (one private conversation
 * each), build a remedial classic quiz visible only to chosen students, and list a course's students. Every call
 * goes through `lms-http` (retries, per-token serialisation, safe logging); every failure is an `LmsError`.
 * Ids are strings on our side; Canvas's numeric ids are converted on the way in and out.
 */
import type { Logger } from 'pino';
import { findLink } from '../lti/services/link-header.js';
import { LmsError } from './lms-error.js';
import {
  createLmsHttp,
  describeRequest,
  excerpt,
  type LmsRequest,
  type RetryOptions,
  statusError,
} from './lms-http.js';

/** Canvas's `max_group_conversation_size`: above it, messages must go out in bulk mode. */
export const CANVAS_MAX_PRIVATE_RECIPIENTS = 100;

export interface CanvasClientOptions {
  /** The Canvas root, e.g. `https://school.instructure.com` (no `/api/v1`). */
  baseUrl: string;
  /** An API access token (sent as `Authorization: Bearer`). */
  token: string;
  log?: Logger;
  http?: Partial<RetryOptions>;
  /** Named in the `User-Agent`. */
  publicUrl?: string;
  /** Recipients per request in bulk mode (over 100 recipients). Default 500. */
  bulkBatchSize?: number;
  /** Stop following `Link: rel="next"` after this many pages. Default 100. */
  maxPages?: number;
}

export type CanvasQuizType = 'practice_quiz' | 'assignment' | 'graded_survey' | 'survey';

export interface CanvasMessage {
  courseId: string;
  recipientIds: string[];
  subject: string;
  body: string;
}

export interface CanvasQuizInput {
  courseId: string;
  title: string;
  description: string;
  quizType: CanvasQuizType;
  allowedAttempts?: number;
  /** ISO 8601. */
  dueAt?: string;
}

export interface CanvasQuiz {
  id: string;
  /** The quiz's assignment (graded quizzes and surveys); null for practice quizzes and ungraded surveys. */
  assignmentId: string | null;
  htmlUrl?: string;
}

export interface CanvasQuestionInput {
  name: string;
  /** HTML. */
  text: string;
  pointsPossible: number;
  answers: Array<{ text: string; correct: boolean }>;
}

export interface CanvasStudent {
  id: string;
  name: string;
  email?: string;
}

export interface CanvasClient {
  /**
   * Sends one private message per recipient in the course. Up to 100 recipients: one request with
   * `group_conversation=false`; more: `group_conversation=true&bulk_message=true` in batches. In bulk mode Canvas
   * may process the batch asynchronously (202, no conversation ids), so `conversationIds` can be shorter than
   * the recipient list.
   */
  sendMessage(message: CanvasMessage): Promise<{ conversationIds: string[] }>;
  /** Creates an unpublished quiz visible only to students named by overrides (`restrictToStudents`). */
  createQuiz(input: CanvasQuizInput): Promise<CanvasQuiz>;
  /** Adds a multiple-choice question (answer weight 100 for correct answers, 0 otherwise). */
  addQuestion(courseId: string, quizId: string, question: CanvasQuestionInput): Promise<{ id: string }>;
  /**
   * Makes the quiz visible to exactly these students: an assignment override when the quiz has an assignment,
   * else the quiz's `date_details` (which replaces its overrides with this one).
   */
  restrictToStudents(
    courseId: string,
    quiz: { id: string; assignmentId: string | null },
    studentIds: string[],
    title: string,
  ): Promise<{ overrideId: string | null }>;
  publishQuiz(courseId: string, quizId: string): Promise<void>;
  /** Every student of the course, following `Link: rel="next"` (only on the Canvas host). */
  listStudents(courseId: string): Promise<CanvasStudent[]>;
}

export function createCanvasClient(options: CanvasClientOptions): CanvasClient {
  const base = new URL(options.baseUrl.replace(/\/+$/, ''));
  const root = base.toString().replace(/\/+$/, '');
  const http = createLmsHttp({
    lms: 'Canvas',
    token: options.token,
    describeError: canvasErrorDetail,
    ...(options.log ? { log: options.log } : {}),
    ...(options.http ? { http: options.http } : {}),
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
  });
  const bulkBatchSize = options.bulkBatchSize ?? 500;
  const maxPages = options.maxPages ?? 100;

  /** Sends a request and returns its JSON (undefined for an empty body); a 4xx becomes an LmsError. */
  async function call(request: Omit<LmsRequest, 'url' | 'headers'> & { url: string }): Promise<{
    json: unknown;
    headers: Headers;
  }> {
    const url = request.url.startsWith('http') ? request.url : `${root}${request.url}`;
    const full = { ...request, url, headers: { Authorization: `Bearer ${options.token}` } };
    const response = await http.request(full);
    const where = describeRequest(full);
    if (response.status < 200 || response.status >= 300) {
      throw statusError('Canvas', response.status, canvasErrorDetail(response.text), where, options.token);
    }
    if (!response.text.trim()) return { json: undefined, headers: response.headers };
    try {
      return { json: JSON.parse(response.text), headers: response.headers };
    } catch (cause) {
      throw new LmsError('protocol', `Canvas answered ${where} with something that is not JSON`, { cause });
    }
  }

  async function sendBatch(message: CanvasMessage, recipientIds: string[], bulk: boolean): Promise<string[]> {
    const form = new URLSearchParams();
    for (const id of recipientIds) form.append('recipients[]', id);
    form.set('subject', message.subject);
    form.set('body', message.body);
    form.set('context_code', `course_${message.courseId}`);
    form.set('force_new', 'true');
    form.set('group_conversation', bulk ? 'true' : 'false');
    if (bulk) form.set('bulk_message', 'true');
    const { json } = await call({ method: 'POST', url: '/api/v1/conversations', body: form });
    if (json === undefined) return [];
    if (!Array.isArray(json)) throw new LmsError('protocol', 'Canvas answered the message with no conversation list');
    return json.map((conversation: { id?: unknown }) => idOf(conversation.id, 'conversation'));
  }

  return {
    async sendMessage(message) {
      const recipients = [...new Set(message.recipientIds)];
      if (recipients.length === 0) return { conversationIds: [] };
      if (recipients.length <= CANVAS_MAX_PRIVATE_RECIPIENTS) {
        return { conversationIds: await sendBatch(message, recipients, false) };
      }
      const conversationIds: string[] = [];
      for (let i = 0; i < recipients.length; i += bulkBatchSize) {
        conversationIds.push(...(await sendBatch(message, recipients.slice(i, i + bulkBatchSize), true)));
      }
      return { conversationIds };
    },

    async createQuiz(input) {
      const form = new URLSearchParams({
        'quiz[title]': input.title,
        'quiz[description]': input.description,
        'quiz[quiz_type]': input.quizType,
        'quiz[published]': 'false',
        'quiz[only_visible_to_overrides]': 'true',
      });
      if (input.allowedAttempts !== undefined) form.set('quiz[allowed_attempts]', String(input.allowedAttempts));
      if (input.dueAt !== undefined) form.set('quiz[due_at]', input.dueAt);
      const { json } = await call({
        method: 'POST',
        url: `/api/v1/courses/${seg(input.courseId)}/quizzes`,
        body: form,
      });
      const quiz = asObject(json, 'quiz');
      return {
        id: idOf(quiz.id, 'quiz'),
        assignmentId: quiz.assignment_id == null ? null : idOf(quiz.assignment_id, 'assignment'),
        ...(typeof quiz.html_url === 'string' ? { htmlUrl: quiz.html_url } : {}),
      };
    },

    async addQuestion(courseId, quizId, question) {
      // JSON rather than a form: an array of answer objects has no unambiguous form encoding.
      const json = {
        question: {
          question_name: question.name,
          question_text: question.text,
          question_type: 'multiple_choice_question',
          points_possible: question.pointsPossible,
          answers: question.answers.map((a) => ({ answer_text: a.text, answer_weight: a.correct ? 100 : 0 })),
        },
      };
      const url = `/api/v1/courses/${seg(courseId)}/quizzes/${seg(quizId)}/questions`;
      const { json: created } = await call({ method: 'POST', url, body: { json } });
      return { id: idOf(asObject(created, 'question').id, 'question') };
    },

    async restrictToStudents(courseId, quiz, studentIds, title) {
      if (quiz.assignmentId) {
        const form = new URLSearchParams({ 'assignment_override[title]': title });
        for (const id of studentIds) form.append('assignment_override[student_ids][]', id);
        const url = `/api/v1/courses/${seg(courseId)}/assignments/${seg(quiz.assignmentId)}/overrides`;
        const { json } = await call({ method: 'POST', url, body: form });
        return { overrideId: idOf(asObject(json, 'assignment override').id, 'assignment override') };
      }
      const json = { only_visible_to_overrides: true, assignment_overrides: [{ title, student_ids: studentIds }] };
      const url = `/api/v1/courses/${seg(courseId)}/quizzes/${seg(quiz.id)}/date_details`;
      await call({ method: 'PUT', url, body: { json } });
      return { overrideId: null };
    },

    async publishQuiz(courseId, quizId) {
      const form = new URLSearchParams({ 'quiz[published]': 'true' });
      await call({ method: 'PUT', url: `/api/v1/courses/${seg(courseId)}/quizzes/${seg(quizId)}`, body: form });
    },

    async listStudents(courseId) {
      const students: CanvasStudent[] = [];
      let url: string | undefined =
        `${root}/api/v1/courses/${seg(courseId)}/users?enrollment_type[]=student&include[]=email&per_page=100`;
      const seen = new Set<string>();
      while (url && !seen.has(url)) {
        if (seen.size >= maxPages) throw new LmsError('protocol', `Canvas listed more than ${maxPages} pages of users`);
        seen.add(url);
        const page = await call({ method: 'GET', url });
        if (!Array.isArray(page.json)) throw new LmsError('protocol', 'Canvas answered the user list with no array');
        for (const user of page.json as Array<Record<string, unknown>>) students.push(toStudent(user));
        url = nextPage(page.headers.get('link'), url, base);
      }
      return students;
    },
  };
}

/** The `rel="next"` URL, refused when it leaves the Canvas host (the token must not follow it). */
function nextPage(link: string | null, current: string, base: URL): string | undefined {
  const next = findLink(link, 'next', current);
  if (!next) return undefined;
  if (new URL(next).origin !== base.origin) {
    throw new LmsError('protocol', `Canvas's next page link points to another host (${new URL(next).host})`);
  }
  return next;
}

function toStudent(user: Record<string, unknown>): CanvasStudent {
  const name = typeof user.name === 'string' ? user.name : typeof user.short_name === 'string' ? user.short_name : '';
  return {
    id: idOf(user.id, 'user'),
    name,
    ...(typeof user.email === 'string' && user.email ? { email: user.email } : {}),
  };
}

/**
 * Canvas's explanation from an error body: `[{"attribute","message"}]`, `{"errors":[{"message"}]}`,
 * `{"errors":{"field":[{"message"}]}}`, `{"message"}` or `{"error"}`; else a short excerpt of the text.
 */
export function canvasErrorDetail(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return excerpt(text);
  }
  const messages = collectMessages(body);
  return messages.length > 0 ? [...new Set(messages)].join('; ') : excerpt(text);
}

function collectMessages(body: unknown): string[] {
  if (Array.isArray(body)) return body.flatMap(collectMessages);
  if (!body || typeof body !== 'object') return [];
  const record = body as Record<string, unknown>;
  if (typeof record.message === 'string') {
    return [typeof record.attribute === 'string' ? `${record.attribute}: ${record.message}` : record.message];
  }
  if (record.errors !== undefined) {
    if (Array.isArray(record.errors) || typeof record.errors !== 'object' || record.errors === null) {
      return collectMessages(record.errors);
    }
    return Object.entries(record.errors as Record<string, unknown>).flatMap(([field, value]) =>
      collectMessages(value).map((m) => (m.startsWith(`${field}:`) ? m : `${field}: ${m}`)),
    );
  }
  return typeof record.error === 'string' ? [record.error] : [];
}

function asObject(json: unknown, what: string): Record<string, unknown> {
  if (json && typeof json === 'object' && !Array.isArray(json)) return json as Record<string, unknown>;
  throw new LmsError('protocol', `Canvas answered with no ${what} object`);
}

function idOf(value: unknown, what: string): string {
  if (typeof value === 'number' || (typeof value === 'string' && value !== '')) return String(value);
  throw new LmsError('protocol', `Canvas answered with a ${what} without an id`);
}

function seg(id: string): string {
  return encodeURIComponent(id);
}
