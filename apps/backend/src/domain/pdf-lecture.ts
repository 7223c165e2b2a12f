/**
 * Reads a lecture from a PDF: one slide per page (`slide-<n>` by page number), its first non-empty line the title,
 * a `Topic: …` line right after it the topic, the rest the notes. Text is extracted with unpdf (a serverless build of Mozilla's PDF.js: no worker, no network).
 */
import { extractText, getDocumentProxy } from 'unpdf';
import { AppError } from '../errors.js';
import { withoutUnstorable } from '../unstorable-text.js';
import type { Lecture } from './lecture-markdown.js';

const PDF_MAGIC = Buffer.from('%PDF-');

/** Whether `data` starts like a PDF (`%PDF-`, possibly after a little leading junk, as PDF readers allow). */
export function looksLikePdf(data: Uint8Array): boolean {
  return Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, 1024)).indexOf(PDF_MAGIC) !== -1;
}

/** Throws AppError('validation_failed') for data that is not a readable PDF. The title is the document's Title. */
export async function parseLecturePdf(data: Uint8Array): Promise<Lecture> {
  if (!looksLikePdf(data)) {
    throw new AppError('validation_failed', 'The file is not a PDF (it does not start with %PDF-)', {
      details: [{ path: '', message: 'not a PDF' }],
    });
  }
  let pages: string[];
  let title = '';
  try {
    // PDF.js takes ownership of (detaches) the buffer it is given: hand it a copy.
    const document = await getDocumentProxy(new Uint8Array(data), { verbosity: 0 });
    try {
      const { text } = await extractText(document, { mergePages: false });
      pages = text;
      const { info } = (await document.getMetadata()) as { info?: { Title?: unknown } };
      if (typeof info?.Title === 'string') title = withoutUnstorable(info.Title).trim();
    } finally {
      await document.loadingTask.destroy();
    }
  } catch (err) {
    throw new AppError('validation_failed', `The PDF could not be read: ${(err as Error).message || 'damaged file'}`, {
      details: [{ path: '', message: 'unreadable PDF' }],
    });
  }
  return {
    title,
    slides: pages.map((page, index) => {
      // Text PostgreSQL cannot store (NUL, unpaired surrogates) is dropped from what the PDF yields.
      const lines = withoutUnstorable(page)
        .replace(/\r\n?/g, '\n')
        .split('\n')
        .map((line) => line.replace(/[ \t]+/g, ' ').trim());
      const first = lines.findIndex((line) => line !== '');
      const rest = first === -1 ? [] : lines.slice(first + 1);
      // As in Markdown, a `Topic: …` line right after the title sets the slide's topic.
      const next = rest.findIndex((line) => line !== '');
      const topic = next === -1 ? undefined : /^topic:\s*(.+)$/i.exec(rest[next] ?? '')?.[1];
      if (topic) rest.splice(next, 1);
      return {
        id: `slide-${index + 1}`,
        position: index + 1,
        title: first === -1 ? '' : (lines[first] ?? ''),
        topic: topic ?? null,
        notes: rest.join('\n').trim(),
      };
    }),
  };
}
