-- Class Assist schema, version 1: courses, people, slides, confusion and questions.
-- Every course-scoped table carries course_id first in its primary key or leading index.

CREATE TABLE courses (
  id               text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 255),
  name             text NOT NULL,
  -- "today" and "this week" of the heatmap are calendar days and ISO weeks in this time zone.
  timezone         text NOT NULL DEFAULT 'UTC',
  -- The slide being taught; a ping without slide_id is recorded on it.
  current_slide_id text,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id         text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 255),
  name       text,
  email      text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE enrollments (
  course_id    text NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role         text NOT NULL CHECK (role IN ('student', 'instructor')),
  -- Last activity of any kind (a function call, an open widget, a heartbeat): the basis of "active students".
  last_seen_at timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (course_id, user_id)
);
CREATE INDEX enrollments_active_students_idx ON enrollments (course_id, last_seen_at) WHERE role = 'student';
CREATE INDEX enrollments_user_idx ON enrollments (user_id);

CREATE TABLE slides (
  course_id     text NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  id            text NOT NULL CHECK (length(id) BETWEEN 1 AND 255),
  position      integer NOT NULL,
  title         text NOT NULL DEFAULT '',
  topic         text,
  notes         text NOT NULL DEFAULT '',
  -- false for a slide first seen in a confusion ping rather than in imported course material.
  from_material boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (course_id, id)
);
CREATE INDEX slides_order_idx ON slides (course_id, from_material DESC, position, id);

CREATE TABLE confusion_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  course_id   text NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  slide_id    text,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX confusion_events_course_time_idx ON confusion_events (course_id, occurred_at) INCLUDE (user_id);
CREATE INDEX confusion_events_course_id_idx ON confusion_events (course_id, id);
CREATE INDEX confusion_events_user_idx ON confusion_events (user_id);

-- One row per student and slide: the time of their latest confusion there. It is the dedupe guard (updated only when
-- a ping is not a repeat) and the per-slide aggregate behind the heatmap: a student was confused on a slide since T
-- exactly when last_at >= T. slide_key is '' for pings on no slide.
CREATE TABLE confusion_latest (
  course_id text NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  user_id   text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  slide_key text NOT NULL,
  last_at   timestamptz NOT NULL,
  PRIMARY KEY (course_id, user_id, slide_key)
);
CREATE INDEX confusion_latest_course_time_idx ON confusion_latest (course_id, last_at) INCLUDE (slide_key, user_id);

CREATE TABLE questions (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  course_id  text NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  -- NULL for anonymous questions: nothing links them to their author.
  user_id    text REFERENCES users (id) ON DELETE SET NULL,
  anonymous  boolean NOT NULL,
  slide_id   text,
  body       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT anonymous_questions_have_no_author CHECK (NOT anonymous OR user_id IS NULL)
);
CREATE INDEX questions_course_time_idx ON questions (course_id, created_at);
