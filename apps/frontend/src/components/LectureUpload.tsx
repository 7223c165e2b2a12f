/**
 * The instructor's "Upload lecture": a Markdown or PDF file replaces the course's slides. The widget follows on its own:
 * the import announces a course change, which reaches this page through `GET /api/live` like any other change.
 */
import { type ChangeEvent, useId, useRef, useState } from 'react';
import { LECTURE_FILE_TYPES, uploadLecture } from '../api/material';
import type { ThreadAlert } from '../chatkit/thread-model';
import { messageOf } from '../chatkit/use-thread';
import { Alerts } from './Alerts';

export function LectureUpload({ courseId }: { courseId: string }) {
  const picker = useRef<HTMLInputElement>(null);
  const hintId = useId();
  const [uploading, setUploading] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<ThreadAlert | null>(null);

  const send = async (file: File) => {
    setUploading(file.name);
    setOutcome(null);
    try {
      const result = await uploadLecture(courseId, file);
      const slides = `${result.slides} slide${result.slides === 1 ? '' : 's'}`;
      setOutcome({ id: Date.now(), level: 'info', message: `Imported ${slides} from ${file.name}` });
    } catch (error) {
      setOutcome({
        id: Date.now(),
        level: 'danger',
        title: 'The lecture was not imported.',
        message: messageOf(error),
      });
    } finally {
      setUploading(null);
    }
  };

  const chosen = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.currentTarget.files?.[0];
    // Cleared, so choosing the same file again (after fixing it) uploads it again.
    event.currentTarget.value = '';
    if (file) void send(file);
  };

  return (
    <div className="lecture-upload">
      <input ref={picker} type="file" accept={LECTURE_FILE_TYPES} hidden onChange={chosen} />
      <button
        type="button"
        className="ck-btn ck-btn--outline"
        disabled={uploading !== null}
        aria-busy={uploading !== null}
        aria-describedby={hintId}
        onClick={() => picker.current?.click()}
      >
        Upload lecture
      </button>
      {uploading !== null ? (
        <span id={hintId} className="progress" role="status">
          <span className="ck-spinner" aria-hidden="true" />
          Uploading {uploading}…
        </span>
      ) : (
        <span id={hintId} className="lecture-upload-hint">
          Markdown or PDF; replaces the course’s slides
        </span>
      )}
      <Alerts alerts={outcome ? [outcome] : []} onDismiss={() => setOutcome(null)} />
    </div>
  );
}
