/**
 * The large data set shared by the heatmap and export scenarios, loaded once per run: a course with
 * `heatmapEvents` confusion events (and a small course with a tenth of them, for the export's memory comparison) over
 * `heatmapSlides` slides and `heatmapStudents` students across the last seven days.
 */
import type { BenchContext } from '../lib/context.js';
import { bulkLoadEvents, type CourseSpec, createCourse } from '../lib/seed.js';

export const WEEK_MS = 7 * 24 * 3_600_000;

export interface Dataset {
  big: CourseSpec & { events: number };
  small: CourseSpec & { events: number };
  loadSeconds: number;
}

let loaded: Promise<Dataset> | undefined;

export function dataset(ctx: BenchContext): Promise<Dataset> {
  loaded ??= load(ctx);
  return loaded;
}

async function load(ctx: BenchContext): Promise<Dataset> {
  const { heatmapEvents, heatmapStudents, heatmapSlides } = ctx.sizes;
  const spec = (courseId: string, events: number) => ({
    courseId,
    studentPrefix: `${courseId}-s`,
    students: heatmapStudents,
    instructors: 1,
    slides: heatmapSlides,
    events,
  });
  const big = spec('bench-heat', heatmapEvents);
  const small = spec('bench-heat-small', Math.round(heatmapEvents / 10));
  let loadSeconds = 0;
  for (const course of [big, small]) {
    ctx.progress(`data: COPY ${course.events.toLocaleString('en-US')} confusion events into ${course.courseId}`);
    await createCourse(ctx.db.url, course);
    loadSeconds += (await bulkLoadEvents(ctx.db.url, course, course.events, WEEK_MS)).seconds;
  }
  return { big, small, loadSeconds };
}
