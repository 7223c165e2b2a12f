/**
 * Import a lecture into a course from the command line (the same import as POST /api/admin/courses/{id}/material):
 *
 *   npm run material -- <courseId> <file.md|file.pdf>
 *
 * The format follows the file: `.pdf` (or a file starting with %PDF-) is a PDF, anything else Markdown. Uses
 * DATABASE_URL, else the embedded database under DATA_DIR (only while no server is running on it).
 */
import { readFileSync } from 'node:fs';
import { SERVICE_ACTOR } from '../apps/backend/src/access/actor.js';
import { importMaterial, readLecture } from '../apps/backend/src/domain/material.service.js';
import { looksLikePdf } from '../apps/backend/src/domain/pdf-lecture.js';
import { MATERIAL_BODY_LIMIT } from '../apps/backend/src/http/material.routes.js';
import { openCliDatabase, runCli } from './cli-database.js';

const USAGE = 'usage: npm run material -- <courseId> <file.md|file.pdf>';

async function main(): Promise<number> {
  const [courseId, file, ...extra] = process.argv.slice(2);
  if (!courseId || !file || extra.length > 0 || courseId.length > 255) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  // Read and parse before touching the database: a bad file fails fast.
  const data = readFileSync(file);
  if (data.byteLength > MATERIAL_BODY_LIMIT) {
    throw new Error(`${file} is larger than the limit of ${MATERIAL_BODY_LIMIT / (1024 * 1024)} MiB`);
  }
  const pdf = /\.pdf$/i.test(file) || looksLikePdf(data);
  const lecture = await readLecture(pdf ? 'pdf' : 'markdown', pdf ? data : data.toString('utf8'));

  const { config, db, pool, close } = await openCliDatabase(
    'the admin API (POST /api/admin/courses/{courseId}/material)',
  );
  try {
    const result = await importMaterial(
      { db, pool, classroom: config.classroom, clock: () => new Date() },
      SERVICE_ACTOR,
      courseId,
      lecture,
    );
    process.stdout.write(
      `imported ${result.slides} slide${result.slides === 1 ? '' : 's'} into ${result.course_id}` +
        `${result.title ? ` ("${result.title}")` : ''}` +
        `${result.removed.length > 0 ? `; removed ${result.removed.join(', ')}` : ''}\n`,
    );
    return 0;
  } finally {
    await close();
  }
}

runCli('material', main);
