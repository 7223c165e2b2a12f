-- Each student's latest stored confusion in the course, on any slide: max(confusion_latest.last_at) of the student,
-- kept by the write that stores a ping (insertConfusions). "Confused students since T" (the spike judgement on every
-- ping batch, the heatmap's class count) then reads one index entry per recently confused student instead of
-- grouping every student-and-slide row of the window.
ALTER TABLE enrollments ADD COLUMN last_confused_at timestamptz;

UPDATE enrollments e SET last_confused_at = latest.at
FROM (SELECT course_id, user_id, max(last_at) AS at FROM confusion_latest GROUP BY course_id, user_id) AS latest
WHERE e.course_id = latest.course_id AND e.user_id = latest.user_id;

CREATE INDEX enrollments_last_confused_idx ON enrollments (course_id, last_confused_at)
  WHERE last_confused_at IS NOT NULL;
