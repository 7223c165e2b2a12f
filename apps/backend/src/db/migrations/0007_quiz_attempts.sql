-- A student taking a quiz in the widget (domain/quiz-attempt.service.ts): one attempt per start, one answer per
-- question (the first answer counts; answering again changes nothing). Finished when every question is answered.
-- The scores feed the "improvement" metric (README, "Improvement").
CREATE TABLE quiz_attempts (
  id          uuid PRIMARY KEY,
  -- Orders attempts that finish in the same instant (first and latest attempt of the improvement metric).
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  quiz_id     uuid NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
  course_id   text NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz
);
CREATE INDEX quiz_attempts_member_idx ON quiz_attempts (course_id, user_id, finished_at);

CREATE TABLE quiz_answers (
  attempt_id   uuid NOT NULL REFERENCES quiz_attempts (id) ON DELETE CASCADE,
  course_id    text NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  question_id  text NOT NULL,
  -- The slide the question cites, copied from the quiz so scores per topic need no JSON unpacking.
  slide_id     text NOT NULL,
  choice_index smallint NOT NULL CHECK (choice_index >= 0),
  correct      boolean NOT NULL,
  answered_at  timestamptz NOT NULL,
  PRIMARY KEY (attempt_id, question_id)
);
