/**
 * The Class Assist widget's state for one member of a course, built from the database: the specification's
 * `ClassAssistWidgetState` plus what the two views need. Students never receive course-wide figures.
 */
import type {
  ClassAssistWidgetState,
  PendingIntervention,
  TimeRange,
  WidgetNotice,
  WidgetSlide,
  WidgetView,
} from '@class-assist/contracts';
import { type MemberActor, memberActor, type Role } from '../access/actor.js';
import { inCourse } from '../db/course-scope.js';
import { findCourse, listSlides, type SlideRow, slideLabel } from '../domain/course.repository.js';
import type { DomainDeps } from '../domain/deps.js';
import { getHeatmap } from '../domain/heatmap.service.js';
import { openAssignedQuiz } from '../domain/intervention.repository.js';
import { latestCourseIntervention } from '../domain/intervention.service.js';
import {
  formatImprovement,
  loadQuizAttempt,
  type QuizAttempt,
  quizImprovement,
} from '../domain/quiz-attempt.service.js';
import { AppError } from '../errors.js';
import { describeIntervention } from './widget-intervention.js';
import { describeQuiz, quizSummary, scoreLine, type WidgetQuizUi } from './widget-quiz.js';

/** What a widget item remembers between renders (per thread item). */
export interface WidgetUi {
  view: WidgetView;
  askOpen: boolean;
  timeRange: TimeRange;
  notice: WidgetNotice | null;
  pending: PendingIntervention | null;
  /** The quiz the student is taking here (absent in items saved before quizzes were taken in the widget). */
  quiz?: WidgetQuizUi | null;
}

export interface WidgetMember {
  userId: string;
  courseId: string;
  courseName: string;
  role: Role;
}

export function initialUi(role: Role): WidgetUi {
  return { view: role, askOpen: false, timeRange: 'today', notice: null, pending: null, quiz: null };
}

export async function buildWidgetState(
  deps: DomainDeps,
  member: WidgetMember,
  ui: WidgetUi,
): Promise<ClassAssistWidgetState> {
  const actor = memberActor(member);
  const instructor = member.role === 'instructor';
  const view: WidgetView = instructor ? ui.view : 'student';
  const { course, slides } = await inCourse(deps.db, member.courseId, async (tx) => ({
    course: await findCourse(tx, member.courseId),
    slides: await listSlides(tx, member.courseId),
  }));
  const heatmap = instructor
    ? await getHeatmap(deps, actor, { course_id: member.courseId, time_range: ui.timeRange, limit: 500 })
    : undefined;
  // Students see their own improvement; instructors the mean over their students (README, "Improvement").
  const improvement = formatImprovement(
    (await quizImprovement(deps, actor, member.courseId, instructor ? undefined : member.userId)).points,
  );
  const latest = instructor ? await latestCourseIntervention(deps, actor, member.courseId) : undefined;
  const assigned =
    view === 'student'
      ? await inCourse(deps.db, member.courseId, (tx) => openAssignedQuiz(tx, member.courseId, member.userId))
      : undefined;
  const quiz =
    ui.quiz && view === 'student'
      ? await loadQuizAttempt(deps, actor, member.courseId, ui.quiz.attemptId).then(
          (attempt) => describeQuiz(attempt, ui.quiz as WidgetQuizUi, slides, improvement),
          // A quiz deleted with its course material since: the widget simply shows no quiz.
          (err: unknown) => {
            if (err instanceof AppError && err.code === 'not_found') return null;
            throw err;
          },
        )
      : null;
  return {
    courseName: course?.name ?? member.courseName,
    view,
    viewOptions: [
      { value: 'student', label: 'Student view' },
      { value: 'instructor', label: 'Instructor view' },
    ],
    askOpen: ui.askOpen,
    metrics: { improvement },
    spike: heatmap?.spike ?? { active: false, message: '' },
    chartData: (heatmap?.chartData ?? []).map(({ label, confused, slide_id, title }) => ({
      label,
      confused,
      slide_id,
      title,
    })),
    role: member.role,
    canSwitchView: instructor,
    slide: describeSlide(slides, course?.current_slide_id ?? null),
    timeRange: ui.timeRange,
    timeRangeOptions: [
      { value: 'last_hour', label: 'Last hour' },
      { value: 'today', label: 'Today' },
      { value: 'this_week', label: 'This week' },
    ],
    activeStudents: heatmap?.active_students ?? 0,
    notice: ui.notice,
    pending: instructor ? ui.pending : null,
    quiz,
    intervention: latest ? describeIntervention(latest) : null,
    assignment:
      assigned && ui.quiz == null
        ? {
            title: `Remedial quiz${assigned.topics.length > 0 ? ` on ${assigned.topics.join(', ')}` : ''}`,
            action: { type: 'study.quiz', payload: { quiz_id: assigned.quiz_id } },
          }
        : null,
  };
}

/** The finished quiz's score and what to review (Markdown), kept in the thread after the widget moves on. */
export async function quizResultMessage(deps: DomainDeps, actor: MemberActor, attempt: QuizAttempt): Promise<string> {
  const slides = await inCourse(deps.db, actor.courseId, (tx) => listSlides(tx, actor.courseId));
  const { points } = await quizImprovement(deps, actor, actor.courseId, actor.userId);
  return `**Quiz finished: ${scoreLine(attempt)}.**\n\n${quizSummary(attempt, slides, formatImprovement(points))}`;
}

/** The current slide (the course's, else the first) with its neighbours. */
export function describeSlide(slides: SlideRow[], currentId: string | null): WidgetSlide {
  const index = Math.max(
    0,
    slides.findIndex((slide) => slide.id === currentId),
  );
  const slide = slides[index];
  if (!slide) return { id: null, label: 'No slides yet', title: '', topic: '', previousId: null, nextId: null };
  const material = slides.filter((entry) => entry.from_material).length;
  const name = slide.from_material ? `Slide ${slide.position} of ${material}` : slideLabel(slide);
  return {
    id: slide.id,
    label: slide.title && slide.from_material ? `${name} — ${slide.title}` : name,
    title: slide.title,
    topic: slide.topic || slide.title || slide.id,
    previousId: slides[index - 1]?.id ?? null,
    nextId: slides[index + 1]?.id ?? null,
  };
}
