-- submit_question with an Idempotency-Key (HTTP header, or the widget's request id): a retried submission whose first
-- attempt was stored but never acknowledged (a crash, a dropped connection) gives back the same question.
-- The column holds a digest of the author and the key, never the key itself, so an anonymous question's row names
-- nobody: linking it needs the key, a random token only the author's browser or agent ever held.
ALTER TABLE questions ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX questions_idempotency_idx ON questions (course_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
