/** Notes of a slide, or of the whole course in slide order. */
import type { FetchNotesResult, NoteEntry } from '@class-assist/contracts';
import { type Actor, assertActingAs } from '../access/actor.js';
import { inCourse } from '../db/course-scope.js';
import { findSlide, listSlides, type SlideRow, touchMember } from './course.repository.js';
import type { DomainDeps } from './deps.js';

export interface FetchNotesInput {
  user_id: string;
  course_id: string;
  slide_id?: string;
}

const toNote = (slide: SlideRow): NoteEntry => ({ slide_id: slide.id, title: slide.title, body: slide.notes });

/** An unknown slide, or a course without notes, gives an empty list and a message rather than an error. */
export async function fetchNotes(deps: DomainDeps, actor: Actor, input: FetchNotesInput): Promise<FetchNotesResult> {
  assertActingAs(actor, input.course_id, input.user_id);
  return inCourse(deps.db, input.course_id, async (tx) => {
    await touchMember(tx, input.course_id, input.user_id, deps.clock());
    if (input.slide_id !== undefined) {
      const slide = await findSlide(tx, input.course_id, input.slide_id);
      if (!slide) return { notes: [], message: `There is no slide "${input.slide_id}" in this course.` };
      if (!slide.notes) return { notes: [toNote(slide)], message: 'This slide has no notes yet.' };
      return { notes: [toNote(slide)] };
    }
    const notes = (await listSlides(tx, input.course_id)).filter((slide) => slide.notes !== '').map(toNote);
    return notes.length > 0 ? { notes } : { notes, message: 'This course has no notes yet.' };
  });
}
