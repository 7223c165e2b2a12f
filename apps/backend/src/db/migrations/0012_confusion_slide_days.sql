-- The heatmap's per-slide counts for "today" and "this week", kept on write. A row counts the students whose latest
-- confusion on that slide (confusion_latest.last_at) falls on that day in the course's time zone; the ranges start at
-- local midnight, so "confused on slide S since the range's start" is the sum of its days from the start on, read in
-- one index range of at most 7 rows per slide instead of a scan of every student-and-slide row of the range.
--
-- Statement-level triggers on confusion_latest keep it: each moved row takes one from the day it left and adds one to
-- the day it reached (OLD and NEW transition tables, so the old day is the one really replaced, whatever runs
-- concurrently). Every statement that writes confusion_latest keeps it right: a ping batch, data retention, a course's
-- deletion (its rows then cascade away), the benchmark's bulk load. Days are applied in key order, so two writers
-- cannot deadlock on them. Pings on no slide (slide_key '') are not counted: the heatmap shows slides.
CREATE TABLE confusion_slide_days (
  course_id text NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  day       date NOT NULL,
  slide_key text NOT NULL,
  students  integer NOT NULL,
  PRIMARY KEY (course_id, day, slide_key)
);

ALTER TABLE confusion_slide_days ENABLE ROW LEVEL SECURITY;
ALTER TABLE confusion_slide_days FORCE ROW LEVEL SECURITY;
CREATE POLICY course_scope ON confusion_slide_days
  USING (course_id = current_setting('app.course_id', true))
  WITH CHECK (course_id = current_setting('app.course_id', true));
CREATE POLICY owner_all ON confusion_slide_days TO class_assist_owner USING (true) WITH CHECK (true);

-- One function per event, each a single static statement, so PL/pgSQL keeps its plan for the session (a SQL-language
-- helper would be planned again on every call: it cost more than the ping batch's own writes). They run as the owner
-- (SECURITY DEFINER): a write that reaches confusion_latest without naming its course — a person's users row deleted
-- and its rows cascading away — must still find each row's course and time zone under row-level security. They read
-- only the rows the statement changed.
CREATE FUNCTION confusion_latest_days_inserted() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  BEGIN
    INSERT INTO confusion_slide_days AS days (course_id, day, slide_key, students)
    SELECT n.course_id, (n.last_at AT TIME ZONE c.timezone)::date, n.slide_key, count(*)
    FROM new_rows n JOIN courses c ON c.id = n.course_id
    WHERE n.slide_key <> ''
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (course_id, day, slide_key) DO UPDATE SET students = days.students + EXCLUDED.students;
    RETURN NULL;
  END $$;

-- A row that stays on its day (the same student on the same slide later that day) adds and takes one: no write.
CREATE FUNCTION confusion_latest_days_updated() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  BEGIN
    INSERT INTO confusion_slide_days AS days (course_id, day, slide_key, students)
    SELECT m.course_id, (m.last_at AT TIME ZONE c.timezone)::date, m.slide_key, sum(m.n)
    FROM (SELECT course_id, slide_key, last_at, 1 AS n FROM new_rows
          UNION ALL SELECT course_id, slide_key, last_at, -1 FROM old_rows) AS m
    JOIN courses c ON c.id = m.course_id
    WHERE m.slide_key <> ''
    GROUP BY 1, 2, 3 HAVING sum(m.n) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (course_id, day, slide_key) DO UPDATE SET students = days.students + EXCLUDED.students;
    RETURN NULL;
  END $$;

-- A course's deletion cascades here after the course is gone: the join then finds nothing, and its days go by
-- their own cascade.
CREATE FUNCTION confusion_latest_days_deleted() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  BEGIN
    INSERT INTO confusion_slide_days AS days (course_id, day, slide_key, students)
    SELECT o.course_id, (o.last_at AT TIME ZONE c.timezone)::date, o.slide_key, -count(*)
    FROM old_rows o JOIN courses c ON c.id = o.course_id
    WHERE o.slide_key <> ''
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (course_id, day, slide_key) DO UPDATE SET students = days.students + EXCLUDED.students;
    RETURN NULL;
  END $$;

CREATE TRIGGER confusion_latest_days_insert AFTER INSERT ON confusion_latest
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION confusion_latest_days_inserted();
CREATE TRIGGER confusion_latest_days_update AFTER UPDATE ON confusion_latest
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION confusion_latest_days_updated();
CREATE TRIGGER confusion_latest_days_delete AFTER DELETE ON confusion_latest
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION confusion_latest_days_deleted();

-- A course moved to another time zone: its days are counted again. The SHARE lock waits for pings being written
-- (they hold ROW EXCLUSIVE) and holds new ones until this transaction ends, so none is counted in the old zone.
CREATE FUNCTION courses_recount_days() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  BEGIN
    LOCK TABLE confusion_latest IN SHARE MODE;
    DELETE FROM confusion_slide_days WHERE course_id = NEW.id;
    INSERT INTO confusion_slide_days (course_id, day, slide_key, students)
    SELECT course_id, (last_at AT TIME ZONE NEW.timezone)::date, slide_key, count(*)
    FROM confusion_latest WHERE course_id = NEW.id AND slide_key <> ''
    GROUP BY 1, 2, 3;
    RETURN NULL;
  END $$;

CREATE TRIGGER courses_timezone_recount AFTER UPDATE OF timezone ON courses
  FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) EXECUTE FUNCTION courses_recount_days();

-- The days of what is stored already.
INSERT INTO confusion_slide_days (course_id, day, slide_key, students)
SELECT l.course_id, (l.last_at AT TIME ZONE c.timezone)::date, l.slide_key, count(*)
FROM confusion_latest l JOIN courses c ON c.id = l.course_id
WHERE l.slide_key <> ''
GROUP BY 1, 2, 3;
