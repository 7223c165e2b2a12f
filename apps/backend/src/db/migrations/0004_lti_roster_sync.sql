-- NRPS roster sync (lti/roster-sync.ts): when a course's roster was last claimed for a sync (at most one sync per
-- course per 10 minutes, claimed atomically by an UPDATE … RETURNING), when one last succeeded, and why the last one
-- failed (NULL after a success).
ALTER TABLE lti_course_services
  ADD COLUMN roster_sync_started_at timestamptz,
  ADD COLUMN roster_synced_at       timestamptz,
  ADD COLUMN roster_sync_error      text;
