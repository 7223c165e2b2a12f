-- Retrieval over course material (domain/retrieval.repository.ts): a full-text vector per slide over its title
-- (weight A), topic (B) and notes (C) with the `english` configuration, kept up to date by PostgreSQL, and a GIN
-- index on it. Queries always also filter on course_id (the primary key's leading column).
ALTER TABLE slides
  ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, title), 'A') ||
    setweight(to_tsvector('english'::regconfig, COALESCE(topic, '')), 'B') ||
    setweight(to_tsvector('english'::regconfig, notes), 'C')
  ) STORED;
CREATE INDEX slides_search_idx ON slides USING gin (search);
