/** Kysely table types of the Class Assist schema (see migrations/). */
import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface CoursesTable {
  id: string;
  name: string;
  timezone: ColumnType<string, string | undefined, string>;
  current_slide_id: string | null;
  created_at: CreatedAt;
}

export interface UsersTable {
  id: string;
  name: string | null;
  email: string | null;
  created_at: CreatedAt;
}

export interface EnrollmentsTable {
  course_id: string;
  user_id: string;
  role: 'student' | 'instructor';
  last_seen_at: Date | null;
  created_at: CreatedAt;
}

export interface SlidesTable {
  course_id: string;
  id: string;
  position: number;
  title: ColumnType<string, string | undefined, string>;
  topic: string | null;
  notes: ColumnType<string, string | undefined, string>;
  from_material: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
}

export interface ConfusionEventsTable {
  id: ColumnType<string, never, never>;
  course_id: string;
  user_id: string;
  slide_id: string | null;
  occurred_at: Date;
  recorded_at: CreatedAt;
}

export interface ConfusionLatestTable {
  course_id: string;
  user_id: string;
  slide_key: string;
  last_at: Date;
}

export interface QuestionsTable {
  id: Generated<string>;
  course_id: string;
  user_id: string | null;
  anonymous: boolean;
  slide_id: string | null;
  body: string;
  created_at: CreatedAt;
}

export interface ChatkitThreadsTable {
  id: string;
  course_id: string;
  user_id: string;
  title: string | null;
  status: ColumnType<unknown, string | undefined, string>;
  metadata: ColumnType<unknown, string | undefined, string>;
  created_at: ColumnType<Date, Date | string, never>;
}

export interface ChatkitItemsTable {
  id: string;
  thread_id: string;
  course_id: string;
  seq: Generated<string>;
  type: string;
  data: ColumnType<unknown, string, string>;
  created_at: ColumnType<Date, Date | string, Date | string>;
}

export interface Database {
  courses: CoursesTable;
  users: UsersTable;
  enrollments: EnrollmentsTable;
  slides: SlidesTable;
  confusion_events: ConfusionEventsTable;
  confusion_latest: ConfusionLatestTable;
  questions: QuestionsTable;
  chatkit_threads: ChatkitThreadsTable;
  chatkit_items: ChatkitItemsTable;
}
