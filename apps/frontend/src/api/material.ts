/**
 * `POST /api/admin/courses/{courseId}/material`: an instructor replaces the course's lecture with a Markdown or PDF
 * file. The import announces a course change, so every open page (this one too) refreshes through `GET /api/live`.
 */
import { errorFrom } from '../chatkit/client';
import { call, sessionHeaders } from './session';

/** The server's summary of an import. */
export interface LectureImport {
  course_id: string;
  /** The lecture's title (its level-1 heading, or the PDF's title); empty when it has none. */
  title: string;
  /** How many slides the lecture has now. */
  slides: number;
  /** Ids of slides of the previous material that are gone. */
  removed: string[];
}

const MARKDOWN = 'text/markdown';
const PDF = 'application/pdf';

/** The file picker's filter: what the server imports. */
export const LECTURE_FILE_TYPES = '.md,.markdown,text/markdown,.pdf,application/pdf';

/**
 * The content type to send `file` as. Browsers often leave `file.type` empty (or `text/x-markdown`) for `.md`, so the
 * extension decides; anything else keeps its own type and the server explains what it accepts.
 */
export function lectureContentType(file: File): string {
  const name = file.name.toLowerCase();
  if (file.type === PDF || name.endsWith('.pdf')) return PDF;
  if (file.type === MARKDOWN || /\.(md|markdown)$/.test(name)) return MARKDOWN;
  return file.type || 'application/octet-stream';
}

/** Uploads `file` as the course's lecture; a refusal throws a `ChatKitError` carrying the server's message. */
export async function uploadLecture(courseId: string, file: File): Promise<LectureImport> {
  const response = await call(`/api/admin/courses/${encodeURIComponent(courseId)}/material`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': lectureContentType(file), Accept: 'application/json', ...sessionHeaders() },
    body: file,
  });
  if (!response.ok) throw await errorFrom(response);
  return (await response.json()) as LectureImport;
}
