-- ChatKit threads and items, per user and course (the widget lives in a thread of its own per user).

CREATE TABLE chatkit_threads (
  id         text PRIMARY KEY,
  course_id  text NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title      text,
  status     jsonb NOT NULL DEFAULT '{"type": "active"}',
  metadata   jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chatkit_threads_owner_idx ON chatkit_threads (course_id, user_id, created_at, id);

CREATE TABLE chatkit_items (
  id         text NOT NULL,
  thread_id  text NOT NULL REFERENCES chatkit_threads (id) ON DELETE CASCADE,
  course_id  text NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  -- Insertion order: the created_at of items can tie; seq cannot.
  seq        bigint GENERATED ALWAYS AS IDENTITY,
  type       text NOT NULL,
  -- The item as ChatKit sends it, without id, thread_id and type.
  data       jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (thread_id, id)
);
CREATE INDEX chatkit_items_order_idx ON chatkit_items (thread_id, seq);
CREATE INDEX chatkit_items_course_idx ON chatkit_items (course_id);
