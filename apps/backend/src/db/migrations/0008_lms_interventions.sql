-- LMS connections and interventions (notify_students_via_lms, assign_remedial_quiz): see lms/ and README, "Interventions".

-- A course's LMS: Canvas (REST API token), Moodle (web service token) or LTI AGS only (the course's LTI services).
-- The token is AES-256-GCM encrypted (auth/secret-box.ts, key derived from SESSION_SECRET, the course id as AAD).
CREATE TABLE lms_connections (
  course_id       text PRIMARY KEY REFERENCES courses (id) ON DELETE CASCADE,
  kind            text NOT NULL CHECK (kind IN ('canvas', 'moodle', 'lti-ags')),
  base_url        text NOT NULL DEFAULT '',
  token_encrypted text,
  lms_course_id   text,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- One notification or quiz assignment. The delivery job (pg-boss queue "lms-delivery") works it; `lms` holds what was
-- created in the LMS (quiz and assignment ids, line item URL) so a retried job resumes instead of repeating.
CREATE TABLE interventions (
  id              uuid PRIMARY KEY,
  course_id       text NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  kind            text NOT NULL CHECK (kind IN ('notify', 'assign')),
  status          text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
  lms_kind        text NOT NULL,
  -- notify: {recipient_filter, message}; assign: {quiz_id, quiz_type, topics}
  request         jsonb NOT NULL,
  lms             jsonb NOT NULL DEFAULT '{}',
  error           text,
  -- A caller's Idempotency-Key (or the widget's confirmation id): the same key in a course is the same intervention.
  idempotency_key text,
  requested_by    text,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  finished_at     timestamptz
);
CREATE UNIQUE INDEX interventions_idempotency_idx ON interventions (course_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX interventions_course_idx ON interventions (course_id, created_at DESC);

CREATE TABLE intervention_recipients (
  intervention_id uuid NOT NULL REFERENCES interventions (id) ON DELETE CASCADE,
  course_id       text NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  user_id         text NOT NULL,
  lms_user_id     text,
  status          text NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
  reason          text,
  attempts        integer NOT NULL DEFAULT 0,
  lms_ref         text,
  updated_at      timestamptz NOT NULL,
  PRIMARY KEY (intervention_id, user_id)
);

-- A quiz assigned through an intervention is linked to it, so its scores can go back to the LMS (AGS).
ALTER TABLE quizzes ADD COLUMN intervention_id uuid REFERENCES interventions (id) ON DELETE SET NULL;

-- A finished attempt on a quiz assigned with an AGS line item: its score goes back to the LMS through the outbox.
-- NULL: nothing to post; pending → posted, or failed with the reason.
ALTER TABLE quiz_attempts
  ADD COLUMN score_state text CHECK (score_state IN ('pending', 'posted', 'failed')),
  ADD COLUMN score_error text;
CREATE INDEX quiz_attempts_score_pending_idx ON quiz_attempts (score_state) WHERE score_state = 'pending';
