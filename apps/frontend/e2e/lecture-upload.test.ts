/**
 * The instructor's "Upload lecture" in a real browser: a Markdown file chosen in the page's file picker replaces the
 * course's slides, and every open widget shows the new lecture without a reload; a file the server refuses shows its
 * reason; students never see the control.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { FileChooser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uniqueId } from '../../backend/test/helpers/app.js';
import { type Harness, markWindow, type Person, startHarness, stillSamePage } from './harness.js';

const TEST_MS = 20_000;
const UPLOAD = 'Upload lecture';

const LECTURE = `# Thermodynamics 101

## Energy and work
Topic: Energy
Energy is conserved.

## Entropy
Topic: Entropy
Entropy never decreases in an isolated system.

## Heat engines
Carnot cycle efficiency.
`;

let harness: Harness;
let dir: string;

beforeAll(async () => {
  harness = await startHarness();
  dir = mkdtempSync(path.join(tmpdir(), 'lecture-upload-'));
});

afterEach(async () => {
  await harness?.closePeople();
});

afterAll(async () => {
  await harness?.close();
});

/** A course of its own per test, with the first four slides of the demo lecture. */
async function newCourse(): Promise<string> {
  const courseId = uniqueId('e2e-upload');
  await harness.course(courseId, 4);
  return courseId;
}

function uploadButton(page: Page) {
  return page.getByRole('button', { name: UPLOAD, exact: true });
}

/** Clicks "Upload lecture" and answers the file picker it opens with `file`. */
async function upload(page: Page, file: Parameters<FileChooser['setFiles']>[0]) {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), uploadButton(page).click()]);
  expect(chooser.isMultiple()).toBe(false);
  expect(await chooser.element().getAttribute('accept')).toBe('.md,.markdown,text/markdown,.pdf,application/pdf');
  await chooser.setFiles(file);
}

function noErrors(...people: Person[]) {
  expect(people.flatMap((person) => person.errors)).toEqual([]);
}

describe('Upload lecture', () => {
  it(
    'imports a Markdown lecture: progress, the summary, and the new slides in every open widget',
    async () => {
      const courseId = await newCourse();
      const [instructor, student] = await Promise.all([
        harness.launch('Instructor', uniqueId('prof'), courseId, 'Physics'),
        harness.launch('Learner', uniqueId('student'), courseId, 'Physics'),
      ]);
      const { page } = instructor;
      for (const person of [instructor, student]) {
        await person.page.getByText('Slide 1 of 4 — What Is Machine Learning?').waitFor();
      }
      await markWindow(page);

      // Held until the test has seen the progress; the request is checked on the way.
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const sent: Array<{ contentType: string | undefined; authorization: string | undefined; body: string }> = [];
      await page.route('**/api/admin/courses/*/material', async (route) => {
        const request = route.request();
        sent.push({
          contentType: request.headers()['content-type'],
          authorization: request.headers().authorization,
          body: request.postData() ?? '',
        });
        await held;
        await route.continue();
      });

      const file = path.join(dir, 'thermo.md');
      writeFileSync(file, LECTURE);
      await upload(page, file);

      await page.getByRole('status').filter({ hasText: 'Uploading thermo.md…' }).waitFor();
      expect(await uploadButton(page).isDisabled()).toBe(true);
      release();

      await page.getByRole('status').filter({ hasText: 'Imported 3 slides from thermo.md' }).waitFor();
      expect(await uploadButton(page).isEnabled()).toBe(true);
      expect(sent).toEqual([
        { contentType: 'text/markdown', authorization: expect.stringMatching(/^Bearer \S+$/), body: LECTURE },
      ]);

      // Both widgets follow the import live: the instructor's own page and a student's.
      for (const person of [instructor, student]) {
        await person.page.getByText('Slide 1 of 3 — Energy and work').waitFor();
      }
      expect(await stillSamePage(page)).toBe(true);

      const { rows } = await harness.app.pool.query(
        'SELECT id, title FROM slides WHERE course_id = $1 ORDER BY position',
        [courseId],
      );
      expect(rows).toEqual([
        { id: 'slide-1', title: 'Energy and work' },
        { id: 'slide-2', title: 'Entropy' },
        { id: 'slide-3', title: 'Heat engines' },
      ]);

      const { violations } = await new AxeBuilder({ page }).include('.page-header').analyze();
      expect(violations.map((violation) => violation.id)).toEqual([]);
      noErrors(instructor, student);
    },
    TEST_MS,
  );

  it(
    'shows the server’s reason for a file it refuses, and keeps the slides (a .md with an empty type)',
    async () => {
      const courseId = await newCourse();
      const instructor = await harness.launch('Instructor', uniqueId('prof'), courseId, 'Physics');
      const { page } = instructor;
      await page.getByText('Slide 1 of 4 — What Is Machine Learning?').waitFor();

      // Browsers often give .md files no type: the page still sends them as Markdown, so the server reads them.
      await upload(page, { name: 'notes.md', mimeType: '', buffer: Buffer.from('# Notes\n\nJust text, no slides.\n') });

      const alert = page.getByRole('alert').filter({ hasText: 'The lecture was not imported.' });
      await alert.waitFor();
      expect(await alert.textContent()).toContain(
        'The Markdown has no slides: start each slide with a level-2 heading (## Slide title)',
      );
      expect(await uploadButton(page).isEnabled()).toBe(true);
      await page.getByText('Slide 1 of 4 — What Is Machine Learning?').waitFor();

      await alert.getByRole('button', { name: 'Dismiss' }).click();
      await alert.waitFor({ state: 'detached' });
      noErrors(instructor);
    },
    TEST_MS,
  );

  it(
    'is not there for students',
    async () => {
      const courseId = await newCourse();
      const student = await harness.launch('Learner', uniqueId('student'), courseId, 'Physics');
      const { page } = student;
      await page.getByText('Slide 1 of 4 — What Is Machine Learning?').waitFor();
      expect(await uploadButton(page).count()).toBe(0);
      expect(await page.locator('input[type=file]').count()).toBe(0);
      noErrors(student);
    },
    TEST_MS,
  );
});
