/**
 * Class Assist in a real browser: Debian's Chromium (playwright-core) against the built page served by the real
 * server on a loopback port and its own test database. Every assertion is about what a person sees, found by
 * accessible role and name where the page has one.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uniqueId } from '../../backend/test/helpers/app.js';
import {
  confusedOn,
  type Harness,
  heatmapTable,
  markWindow,
  type Person,
  screenshot,
  startHarness,
  stillSamePage,
  WAIT_MS,
  widget,
} from './harness.js';

const TEST_MS = 20_000;
const poll = { timeout: WAIT_MS, interval: 50 };

const CONFUSED = "I'm Confused";
const NOTED = 'Noted. Your instructor can see this slide is confusing.';

let harness: Harness;

beforeAll(async () => {
  // Two confused students make a spike, so two browser pages can show one.
  harness = await startHarness({ SPIKE_MIN_STUDENTS: '2' });
});

afterEach(async () => {
  await harness?.closePeople();
});

afterAll(async () => {
  await harness?.close();
});

/** A course of its own per test, so no test sees another's confusion. */
async function newCourse(slides = 4): Promise<string> {
  const courseId = uniqueId('e2e-course');
  await harness.course(courseId, slides);
  return courseId;
}

function button(page: Page, name: string) {
  return page.getByRole('button', { name, exact: true });
}

function noErrors(...people: Person[]) {
  expect(people.flatMap((person) => person.errors)).toEqual([]);
}

describe('Class Assist in the browser', () => {
  it(
    'shows a ping on the instructor’s heatmap and a spike warning live, without a reload',
    async () => {
      const courseId = await newCourse(12);
      const name = 'Introduction to Machine Learning';
      const [instructor, student1, student2] = await Promise.all([
        harness.launch('Instructor', 'grace-hopper', courseId, name),
        harness.launch('Learner', 'ada-lovelace', courseId, name),
        harness.launch('Learner', 'alan-turing', courseId, name),
      ]);
      const { page } = instructor;

      await expect.poll(() => confusedOn(page, 'Slide 1'), poll).toEqual(['0']);
      await markWindow(page);
      let navigations = 0;
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) navigations += 1;
      });

      await button(student1.page, CONFUSED).click();
      await student1.page.getByText(NOTED).waitFor();
      // One of the two active students: 50 % on the slide being taught, and no spike yet.
      await expect.poll(() => confusedOn(page, 'Slide 1'), poll).toEqual(['50']);
      expect(await page.getByText('Confusion spike').count()).toBe(0);

      await button(student2.page, CONFUSED).click();
      await student2.page.getByText(NOTED).waitFor();
      await expect.poll(() => confusedOn(page, 'Slide 1'), poll).toEqual(['100']);
      await page.getByText('Confusion spike').waitFor();
      await page.getByText('2 students confused in last 2 minutes — consider pausing').waitFor();
      expect(await confusedOn(page, 'Slide 2')).toEqual(['0']);

      expect(await stillSamePage(page)).toBe(true);
      expect(navigations).toBe(0);
      noErrors(instructor, student1, student2);

      await page.locator('.ck-chart-drawing .recharts-bar-rectangle').first().waitFor();
      await screenshot(page, 'instructor');
    },
    TEST_MS,
  );

  it(
    'sends an anonymous question from the form and stores it without its author',
    async () => {
      const courseId = await newCourse();
      const student = await harness.launch('Learner', 'ada-lovelace', courseId, 'Introduction to Machine Learning');
      const { page } = student;
      const question = page.getByRole('textbox', { name: "What's unclear? Your instructor sees your question." });
      expect(await question.count()).toBe(0);

      await button(page, 'Ask a Question').click();
      await question.waitFor();
      const body = 'Why does a learning rate that is too large make gradient descent diverge?';
      await question.fill(body);
      await page.getByRole('checkbox', { name: 'Ask anonymously' }).check();
      await screenshot(page, 'student');
      await button(page, 'Send question').click();

      await question.waitFor({ state: 'detached' });
      await page.getByText('Question sent anonymously.', { exact: true }).waitFor();
      const { rows } = await harness.app.pool.query(
        'SELECT user_id, anonymous, body FROM questions WHERE course_id = $1',
        [courseId],
      );
      expect(rows).toEqual([{ user_id: null, anonymous: true, body }]);
      noErrors(student);
    },
    TEST_MS,
  );

  it(
    'lets the instructor switch views, and gives students no view switch or instructor controls',
    async () => {
      const courseId = await newCourse();
      const [instructor, student] = await Promise.all([
        harness.launch('Instructor', uniqueId('prof'), courseId, 'Views course'),
        harness.launch('Learner', uniqueId('student'), courseId, 'Views course'),
      ]);
      const { page } = instructor;
      const view = page.getByRole('combobox', { name: 'View' });

      await heatmapTable(page).waitFor();
      expect(await button(page, CONFUSED).count()).toBe(0);
      await view.selectOption({ label: 'Student view' });
      await button(page, CONFUSED).waitFor();
      await button(page, 'Ask a Question').waitFor();
      expect(await heatmapTable(page).count()).toBe(0);
      expect(await button(page, 'Next').count()).toBe(0);

      await view.selectOption({ label: 'Instructor view' });
      await button(page, 'Next').waitFor();
      await heatmapTable(page).waitFor();
      expect(await button(page, CONFUSED).count()).toBe(0);

      const studentPage = student.page;
      await button(studentPage, CONFUSED).waitFor();
      expect(await studentPage.getByRole('combobox').count()).toBe(0);
      for (const control of ['Previous', 'Next', 'Refresh', 'Export CSV', 'Notify students…', 'Assign quiz…']) {
        expect(await button(studentPage, control).count(), control).toBe(0);
      }
      expect(await heatmapTable(studentPage).count()).toBe(0);
      expect(await studentPage.getByText('Instructor dashboard').count()).toBe(0);
      noErrors(instructor, student);
    },
    TEST_MS,
  );

  it(
    'moves the students to the next slide live, and their pings land on it',
    async () => {
      const courseId = await newCourse(4);
      const userId = uniqueId('student');
      const [instructor, student, other] = await Promise.all([
        harness.launch('Instructor', uniqueId('prof'), courseId, 'Slides course'),
        harness.launch('Learner', userId, courseId, 'Slides course'),
        harness.launch('Learner', uniqueId('student'), courseId, 'Slides course'),
      ]);
      for (const { page } of [student, other]) {
        await page.getByText('Slide 1 of 4 — What Is Machine Learning?').waitFor();
        await markWindow(page);
      }

      await button(instructor.page, 'Next').click();
      await instructor.page.getByText('Slide 2 of 4 — Supervised vs Unsupervised Learning').waitFor();
      for (const { page } of [student, other]) {
        await page.getByText('Slide 2 of 4 — Supervised vs Unsupervised Learning').waitFor();
        expect(await stillSamePage(page)).toBe(true);
      }

      await button(student.page, CONFUSED).click();
      await student.page.getByText(NOTED).waitFor();
      const { rows } = await harness.app.pool.query(
        'SELECT slide_id FROM confusion_events WHERE course_id = $1 AND user_id = $2',
        [courseId, userId],
      );
      expect(rows).toEqual([{ slide_id: 'slide-2' }]);
      await expect.poll(() => confusedOn(instructor.page, 'Slide 2'), poll).toEqual(['50']);
      noErrors(instructor, student, other);
    },
    TEST_MS,
  );

  it(
    'works from the keyboard, and names every control',
    async () => {
      const courseId = await newCourse();
      const student = await harness.launch('Learner', uniqueId('student'), courseId, 'Keyboard course');
      const { page } = student;
      const confused = button(page, CONFUSED);

      await tabTo(page, CONFUSED);
      await page.keyboard.press('Enter');
      await page.getByText(NOTED).waitFor();

      await tabTo(page, 'Ask a Question');
      await page.keyboard.press('Enter');
      const question = page.getByRole('textbox', { name: "What's unclear? Your instructor sees your question." });
      await question.waitFor();
      // The form opens with the question box focused.
      await expect.poll(() => question.evaluate((element) => element === document.activeElement), poll).toBe(true);
      expect(await confused.isVisible()).toBe(true);

      await expectNamedControls(page);
      noErrors(student);
    },
    TEST_MS,
  );

  it(
    'shows questions, messages and course names as text, never as markup',
    async () => {
      const xss = '<img src=x onerror=window.__xss=1><script>window.__xss=1</script>';
      const courseId = await newCourse();
      const courseName = `Course ${xss}`;
      const [student, instructor] = await Promise.all([
        harness.launch('Learner', uniqueId('student'), courseId, courseName),
        harness.launch('Instructor', uniqueId('prof'), courseId, courseName),
      ]);

      for (const { page } of [student, instructor]) {
        await page.getByRole('heading', { level: 1, name: courseName, exact: true }).waitFor();
        await widget(page).getByText(courseName, { exact: true }).waitFor();
      }

      const { page } = student;
      await button(page, 'Ask a Question').click();
      await page.getByRole('textbox', { name: "What's unclear? Your instructor sees your question." }).fill(xss);
      await button(page, 'Send question').click();
      await page.getByText('Question sent.', { exact: true }).waitFor();
      const message = `Is this ${xss} safe?`;
      await page.getByRole('textbox', { name: 'Message Class Assist' }).fill(message);
      await page.keyboard.press('Enter');
      await page.getByText(message, { exact: true }).waitFor();

      const { rows } = await harness.app.pool.query('SELECT body FROM questions WHERE course_id = $1', [courseId]);
      expect(rows).toEqual([{ body: xss }]);
      for (const person of [student, instructor]) {
        expect(await person.page.locator('img[src="x"]').count()).toBe(0);
        expect(await person.page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
      }
      noErrors(student, instructor);
    },
    TEST_MS,
  );

  it(
    'has no serious or critical accessibility problems on the student page',
    async () => {
      const courseId = await newCourse();
      const student = await harness.launch('Learner', uniqueId('student'), courseId, 'Accessible course');
      const { page } = student;
      // With a notice showing and the question form open.
      await button(page, CONFUSED).click();
      await page.getByText(NOTED).waitFor();
      await button(page, 'Ask a Question').click();
      await page.getByRole('checkbox', { name: 'Ask anonymously' }).waitFor();

      expect(await seriousViolations(page)).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'has no serious or critical accessibility problems on the instructor page',
    async () => {
      const courseId = await newCourse(12);
      const instructor = await harness.launch('Instructor', uniqueId('prof'), courseId, 'Accessible course');
      const { page } = instructor;
      // A spike (two pings through the function API), so the warning and a bar are on the page.
      for (const user of [uniqueId('student'), uniqueId('student')]) {
        const response = await harness.app.call('track_confusion', {
          user_id: user,
          course_id: courseId,
          slide_id: 'slide-1',
        });
        expect(response.statusCode).toBe(200);
      }
      await page.getByText('Confusion spike').waitFor();
      await expect.poll(() => confusedOn(page, 'Slide 1'), poll).toEqual(['100']);
      await page.locator('.ck-chart-drawing .recharts-bar-rectangle').first().waitFor();

      expect(await seriousViolations(page)).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'shows the landing page with the development launch links without a session',
    async () => {
      const visitor = await harness.visit('/');
      const { page } = visitor;
      await page.getByRole('heading', { level: 1, name: 'Class Assist' }).waitFor();
      await page.getByRole('heading', { name: 'Open it from your course' }).waitFor();
      const launches = page.getByRole('region', { name: 'Development' });
      for (const [name, href] of [
        ['Student 1', /^\/dev\/launch\?role=Learner&userId=demo-student-1&courseId=demo&/],
        ['Student 2', /^\/dev\/launch\?role=Learner&userId=demo-student-2&courseId=demo&/],
        ['Instructor', /^\/dev\/launch\?role=Instructor&userId=demo-instructor&courseId=demo&/],
      ] as const) {
        expect(await launches.getByRole('link', { name, exact: true }).getAttribute('href')).toMatch(href);
      }
      expect(await widget(page).count()).toBe(0);

      // The links work: the instructor one opens the seeded demo course's dashboard.
      await launches.getByRole('link', { name: 'Instructor', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Introduction to Machine Learning' }).waitFor();
      await widget(page).getByText('Instructor dashboard').waitFor();
      await page.getByText('Slide 1 of 12 — What Is Machine Learning?').waitFor();
      noErrors(visitor);
    },
    TEST_MS,
  );
});

/** axe-core's serious and critical findings on the page, each with the elements it found. */
async function seriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => node.target.join(' ')),
    }));
}

/** Presses Tab until the button named `name` has focus (at most 40 times). */
async function tabTo(page: Page, name: string): Promise<void> {
  const target = button(page, name);
  for (let presses = 0; presses < 40; presses++) {
    if (await target.evaluate((element) => element === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached the "${name}" button`);
}

/** Every button, field and link in the page's accessibility tree has a name. */
async function expectNamedControls(page: Page): Promise<void> {
  const tree = await page.locator('body').ariaSnapshot();
  const unnamed = tree
    .split('\n')
    .filter((line) => /^\s*- (button|textbox|combobox|checkbox|radio|link|slider|spinbutton)\b(?! ")/.test(line));
  expect(unnamed).toEqual([]);
  expect(tree).toContain(`button "${CONFUSED}"`);
  expect(tree).toMatch(/textbox "What's unclear\?/);
  expect(tree).toContain('checkbox "Ask anonymously"');
}
