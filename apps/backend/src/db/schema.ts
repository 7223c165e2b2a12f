/** Kysely table types of the Class Assist schema (see migrations/). */
import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface CoursesTable {
  id: string;
  name: string;
  timezone: ColumnType<string, string | undefined, string>;
  current_slide_id: string | null;
  lti_issuer: ColumnType<string | null, string | null | undefined, string | null>;
  lti_context_id: ColumnType<string | null, string | null | undefined, string | null>;
  lms_course_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

export interface UsersTable {
  id: string;
  name: string | null;
  email: string | null;
  lti_issuer: ColumnType<string | null, string | null | undefined, string | null>;
  lti_sub: ColumnType<string | null, string | null | undefined, string | null>;
  lms_user_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

export interface EnrollmentsTable {
  course_id: string;
  user_id: string;
  role: 'student' | 'instructor';
  last_seen_at: Date | null;
  /** The latest stored confusion ping of the member on any slide of the course (migration 0011). */
  last_confused_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: CreatedAt;
}

export interface SlidesTable {
  course_id: string;
  id: string;
  position: number;
  title: ColumnType<string, string | undefined, string>;
  topic: string | null;
  notes: ColumnType<string, string | undefined, string>;
  from_material: ColumnType<boolean, boolean | undefined, boolean>;
  /** Generated full-text vector over title, topic and notes (migration 0005); never written. */
  search: ColumnType<string, never, never>;
  created_at: CreatedAt;
}

export interface ConfusionEventsTable {
  id: ColumnType<string, never, never>;
  course_id: string;
  user_id: string;
  slide_id: string | null;
  occurred_at: Date;
  recorded_at: CreatedAt;
}

export interface ConfusionLatestTable {
  course_id: string;
  user_id: string;
  slide_key: string;
  last_at: Date;
}

/** Students per slide whose latest confusion falls on a day (course time zone); kept by triggers (migration 0012). */
export interface ConfusionSlideDaysTable {
  course_id: string;
  day: string;
  slide_key: string;
  students: number;
}

export interface QuestionsTable {
  id: Generated<string>;
  course_id: string;
  user_id: string | null;
  anonymous: boolean;
  slide_id: string | null;
  body: string;
  created_at: CreatedAt;
  /** Digest of author and Idempotency-Key (migration 0009); NULL when the caller sent no key. */
  idempotency_key: ColumnType<string | null, string | null | undefined, never>;
}

export interface ChatkitThreadsTable {
  id: string;
  course_id: string;
  user_id: string;
  title: string | null;
  status: ColumnType<unknown, string | undefined, string>;
  metadata: ColumnType<unknown, string | undefined, string>;
  created_at: ColumnType<Date, Date | string, never>;
}

export interface ChatkitItemsTable {
  id: string;
  thread_id: string;
  course_id: string;
  seq: Generated<string>;
  type: string;
  data: ColumnType<unknown, string, string>;
  created_at: ColumnType<Date, Date | string, Date | string>;
}

export interface LtiPlatformsTable {
  issuer: string;
  client_id: string;
  auth_login_url: string;
  auth_token_url: string;
  jwks_url: string;
  deployment_ids: string[];
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface LtiKeysTable {
  kid: string;
  public_jwk: ColumnType<Record<string, unknown>, string, string>;
  private_key_encrypted: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  retired_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface LtiStatesTable {
  state: string;
  nonce: string;
  issuer: string;
  client_id: string;
  expires_at: ColumnType<Date, Date | string, Date | string>;
}

export interface LtiNoncesTable {
  nonce: string;
  expires_at: ColumnType<Date, Date | string, Date | string>;
}

export interface LtiCourseServicesTable {
  course_id: string;
  issuer: string;
  client_id: string;
  deployment_id: string;
  context_memberships_url: string | null;
  lineitems_url: string | null;
  lineitem_url: string | null;
  ags_scopes: ColumnType<string[], string[] | undefined, string[]>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  roster_sync_started_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  roster_synced_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  roster_sync_error: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface QuizzesTable {
  id: string;
  course_id: string;
  user_id: string | null;
  focus: string;
  topics: ColumnType<string[], string[] | undefined, string[]>;
  /** The questions as stored: see domain/study.service.ts (QuizQuestion). */
  questions: ColumnType<unknown, string, string>;
  source: string;
  intervention_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

export interface QuizAttemptsTable {
  id: string;
  quiz_id: string;
  course_id: string;
  user_id: string;
  started_at: ColumnType<Date, Date, never>;
  finished_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  score_state: ColumnType<
    'pending' | 'posted' | 'failed' | null,
    'pending' | null | undefined,
    'pending' | 'posted' | 'failed' | null
  >;
  score_error: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface QuizAnswersTable {
  attempt_id: string;
  course_id: string;
  question_id: string;
  slide_id: string;
  choice_index: number;
  correct: boolean;
  answered_at: ColumnType<Date, Date, never>;
}

type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>;

export interface LmsConnectionsTable {
  course_id: string;
  kind: 'canvas' | 'moodle' | 'lti-ags';
  base_url: ColumnType<string, string | undefined, string>;
  token_encrypted: Nullable<string>;
  lms_course_id: Nullable<string>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type InterventionStatus = 'queued' | 'running' | 'completed' | 'failed';
export type RecipientStatus = 'queued' | 'sent' | 'failed';

export interface InterventionsTable {
  id: string;
  course_id: string;
  kind: 'notify' | 'assign';
  status: InterventionStatus;
  lms_kind: string;
  request: ColumnType<Record<string, unknown>, string, string>;
  lms: ColumnType<Record<string, unknown>, string | undefined, string>;
  error: Nullable<string>;
  idempotency_key: Nullable<string>;
  requested_by: Nullable<string>;
  created_at: ColumnType<Date, Date, never>;
  updated_at: ColumnType<Date, Date, Date>;
  finished_at: Nullable<Date>;
}

export interface InterventionRecipientsTable {
  intervention_id: string;
  course_id: string;
  user_id: string;
  lms_user_id: Nullable<string>;
  status: RecipientStatus;
  reason: Nullable<string>;
  attempts: ColumnType<number, number | undefined, number>;
  lms_ref: Nullable<string>;
  updated_at: ColumnType<Date, Date, Date>;
}

export interface Database {
  courses: CoursesTable;
  users: UsersTable;
  enrollments: EnrollmentsTable;
  slides: SlidesTable;
  confusion_events: ConfusionEventsTable;
  confusion_latest: ConfusionLatestTable;
  confusion_slide_days: ConfusionSlideDaysTable;
  questions: QuestionsTable;
  chatkit_threads: ChatkitThreadsTable;
  chatkit_items: ChatkitItemsTable;
  lti_platforms: LtiPlatformsTable;
  lti_keys: LtiKeysTable;
  lti_states: LtiStatesTable;
  lti_nonces: LtiNoncesTable;
  lti_course_services: LtiCourseServicesTable;
  quizzes: QuizzesTable;
  quiz_attempts: QuizAttemptsTable;
  quiz_answers: QuizAnswersTable;
  lms_connections: LmsConnectionsTable;
  interventions: InterventionsTable;
  intervention_recipients: InterventionRecipientsTable;
}
