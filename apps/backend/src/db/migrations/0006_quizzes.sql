-- Quizzes made by generate_quiz (domain/study.service.ts): the questions as JSON (id, prompt, choices, answer_index,
-- explanation, slide_id), exportable through GET /api/quizzes/{id}/export.
CREATE TABLE quizzes (
  id         uuid PRIMARY KEY,
  course_id  text NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  user_id    text REFERENCES users (id) ON DELETE SET NULL,
  focus      text NOT NULL,
  topics     text[] NOT NULL DEFAULT '{}',
  questions  jsonb NOT NULL,
  source     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quizzes_course_idx ON quizzes (course_id, created_at);
