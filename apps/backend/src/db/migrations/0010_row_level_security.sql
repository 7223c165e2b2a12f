-- Tenant isolation in the database. Every course-scoped table answers only the rows of the course that the
-- transaction names (`SELECT set_config('app.course_id', …, true)`, see db/course-scope.ts); a statement that names
-- none sees nothing and can write nothing. FORCE makes it hold for the tables' owner too; only the owner role
-- (`class_assist_owner`, NOLOGIN: migrations, the demo seed and the lookups below) has a policy that passes
-- everything. The runtime role (`class_assist_app`) is not the owner, is not a member of it and cannot bypass RLS.
DO $$
DECLARE
  scoped text[] := ARRAY['enrollments', 'slides', 'confusion_events', 'confusion_latest', 'questions',
    'chatkit_threads', 'chatkit_items', 'lti_course_services', 'quizzes', 'quiz_attempts', 'quiz_answers',
    'lms_connections', 'interventions', 'intervention_recipients'];
  tbl text;
BEGIN
  FOREACH tbl IN ARRAY scoped || ARRAY['courses'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format(
      'CREATE POLICY course_scope ON %I USING (%2$I = current_setting(''app.course_id'', true)) '
        'WITH CHECK (%2$I = current_setting(''app.course_id'', true))',
      tbl, CASE WHEN tbl = 'courses' THEN 'id' ELSE 'course_id' END);
    EXECUTE format('CREATE POLICY owner_all ON %I TO class_assist_owner USING (true) WITH CHECK (true)', tbl);
  END LOOP;
END $$;

-- The few reads that must find a course before they can name it. Each runs as the owner (SECURITY DEFINER) and
-- answers only a course id (or, for the outbox, job ids), never a row's content; the caller then opens a
-- transaction scoped to that course and checks the actor's access there, so the lookup leaks nothing but whether an
-- id exists — which an unguessable UUID already keeps secret.

-- An intervention's course: the instructor view by id (getIntervention) and the outbox worker (delivery.ts).
CREATE FUNCTION course_of_intervention(intervention uuid) RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$ SELECT course_id FROM public.interventions WHERE id = intervention $$;

-- A quiz's course: the quiz export by id (findQuiz) and assigning a quiz in the outbox worker.
CREATE FUNCTION course_of_quiz(quiz uuid) RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$ SELECT course_id FROM public.quizzes WHERE id = quiz $$;

-- A quiz attempt's course: the outbox worker posting a score (score-delivery.ts).
CREATE FUNCTION course_of_quiz_attempt(attempt uuid) RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$ SELECT course_id FROM public.quiz_attempts WHERE id = attempt $$;

-- Outbox work left unfinished in any course, oldest first, as ids: queued again when the outbox starts.
CREATE FUNCTION unfinished_outbox_jobs() RETURNS TABLE (kind text, id uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
  AS $$
    SELECT kind, id FROM (
      SELECT 'intervention' AS kind, id, 0 AS part, created_at AS at FROM public.interventions
        WHERE status IN ('queued', 'running')
      UNION ALL
      SELECT 'score', id, 1, finished_at FROM public.quiz_attempts WHERE score_state = 'pending'
    ) jobs ORDER BY part, at
  $$;

REVOKE EXECUTE ON FUNCTION course_of_intervention(uuid), course_of_quiz(uuid), course_of_quiz_attempt(uuid),
  unfinished_outbox_jobs() FROM PUBLIC;
