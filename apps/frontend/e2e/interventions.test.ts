/**
 * Issue 6's "Done when", in a real browser: from the instructor view of the demo course, connected to a fake Canvas
 * on loopback that fails on purpose, "Notify confused students" and "Assign remedial quiz" run end to end — the
 * confirmation, then the progress box reaching Done without a reload — and the fake LMS receives exactly the right
 * calls, once each.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_COURSE_ID, DEMO_PEOPLE } from '../../backend/src/db/seed-demo.js';
import { TEST_SECRET } from '../../backend/test/helpers/app.js';
import { type FakeCanvas, startFakeCanvas } from '../../backend/test/helpers/fake-canvas.js';
import {
  type Harness,
  markWindow,
  type Person,
  screenshot,
  startHarness,
  stillSamePage,
  WAIT_MS,
  widget,
} from './harness.js';

const TEST_MS = 30_000;
const poll = { timeout: WAIT_MS, interval: 50 };
const COURSE_NAME = 'Introduction to Machine Learning';
const LMS_COURSE_ID = '4242';
const MESSAGE = 'We will go over gradient descent again on Thursday — bring your questions.';
/** The demo students' Canvas ids: demo-student-1 is 201, … */
const CANVAS_IDS = new Map(
  DEMO_PEOPLE.filter((p) => p.role === 'student').map((p, i) => [p.id as string, String(201 + i)]),
);
/** The three demo students who ping now: the confused students of this lecture. */
const CONFUSED = ['demo-student-1', 'demo-student-2', 'demo-student-3'];
const CONFUSED_CANVAS_IDS = CONFUSED.map((id) => CANVAS_IDS.get(id));

let harness: Harness;
let canvas: FakeCanvas;

beforeAll(async () => {
  canvas = await startFakeCanvas();
  harness = await startHarness();
  await connectDemoCourse();
});

afterEach(async () => {
  await harness?.closePeople();
});

afterAll(async () => {
  await harness?.close();
  await canvas?.close();
});

/** PUT an admin resource of the demo course with the AgentKit secret (as an LMS administrator's script would). */
async function putAdmin(resource: 'roster' | 'lms', payload: unknown): Promise<void> {
  const response = await harness.app.app.inject({
    method: 'PUT',
    url: `/api/admin/courses/${DEMO_COURSE_ID}/${resource}`,
    headers: { authorization: `Bearer ${TEST_SECRET}`, 'content-type': 'application/json' },
    payload: JSON.stringify(payload),
  });
  expect(response.statusCode, response.body).toBe(200);
}

/** The demo course's roster with Canvas ids, its Canvas connection (the fake), and three students confused now. */
async function connectDemoCourse(): Promise<void> {
  await putAdmin(
    'roster',
    DEMO_PEOPLE.map((p) => ({
      user_id: p.id,
      lms_user_id: CANVAS_IDS.get(p.id) ?? '900',
      name: p.name,
      role: p.role,
    })),
  );
  canvas.addCourse(
    LMS_COURSE_ID,
    DEMO_PEOPLE.filter((p) => CANVAS_IDS.has(p.id)).map((p) => ({ id: CANVAS_IDS.get(p.id) as string, name: p.name })),
  );
  await putAdmin('lms', {
    kind: 'canvas',
    base_url: canvas.baseUrl,
    token: canvas.token,
    lms_course_id: LMS_COURSE_ID,
  });
  for (const userId of CONFUSED) {
    const ping = await harness.app.call('track_confusion', {
      user_id: userId,
      course_id: DEMO_COURSE_ID,
      slide_id: 'slide-7',
      timestamp: harness.app.clock().toISOString(),
    });
    expect(ping.statusCode, ping.body).toBe(200);
  }
}

function button(page: Page, name: string) {
  return widget(page).getByRole('button', { name, exact: true });
}

/** The pending confirmation's box (the one holding the Confirm button). */
function confirmation(page: Page) {
  return widget(page)
    .locator('.ck-box:not(.ck-row):not(.ck-col)')
    .filter({ has: page.getByRole('button', { name: 'Confirm', exact: true }) });
}

/**
 * What the progress box of the latest intervention says (the widget's only box with a status badge): its title,
 * badge and progress line; undefined while there is none.
 */
async function progress(page: Page): Promise<{ title: string; badge: string; line: string } | undefined> {
  const box = widget(page)
    .locator('.ck-box:not(.ck-row):not(.ck-col)')
    .filter({ has: page.locator('.ck-badge') });
  if ((await box.count()) !== 1) return undefined;
  const [title, badge, line] = await Promise.all(
    ['.ck-text', '.ck-badge', '.ck-caption'].map((selector) => box.locator(selector).first().textContent()),
  );
  return { title: title ?? '', badge: badge ?? '', line: line ?? '' };
}

/** The fake Canvas's requests that reached its handlers (no fault injected), as `METHOD path`. */
function handledCalls(): string[] {
  return canvas.requests.filter((r) => !r.fault).map((r) => `${r.method} ${r.path}`);
}

function noErrors(...people: Person[]) {
  expect(people.flatMap((person) => person.errors)).toEqual([]);
}

describe('LMS interventions from the instructor view', () => {
  it(
    'notifies the confused students and assigns them a remedial quiz, with live progress, each call once',
    async () => {
      const instructor = await harness.launch('Instructor', 'demo-instructor', DEMO_COURSE_ID, COURSE_NAME);
      const { page } = instructor;
      await markWindow(page);
      let navigations = 0;
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) navigations += 1;
      });
      expect(await progress(page)).toBeUndefined();

      // Notify: Canvas rate-limits the first two messages.
      canvas.failNext(2, 'rate-limit', { pathPrefix: '/api/v1/conversations' });
      await widget(page).getByRole('combobox', { name: 'Notify' }).selectOption({ label: 'Confused students' });
      await widget(page).getByRole('textbox', { name: 'Message to send through the LMS' }).fill(MESSAGE);
      await button(page, 'Notify students…').click();
      await widget(page).getByText('Send this notification?', { exact: true }).waitFor();
      await confirmation(page).getByText(MESSAGE).waitFor();
      expect(
        await new AxeBuilder({ page })
          .include('.ck-widget')
          .analyze()
          .then((r) => r.violations),
      ).toEqual([]);
      expect(canvas.requests).toEqual([]);
      // An impatient double click on Confirm still sends once.
      await button(page, 'Confirm').dblclick();
      await widget(page).getByText('Message queued for 3 students: progress below.', { exact: true }).waitFor();
      await expect.poll(() => progress(page), poll).toMatchObject({ title: 'Message to confused students' });
      await expect
        .poll(() => progress(page), poll)
        .toEqual({ title: 'Message to confused students', badge: 'Done', line: '3 of 3 sent' });
      expect(await button(page, 'Confirm').count()).toBe(0);

      expect(canvas.requests.filter((r) => r.fault === 'rate-limit')).toHaveLength(2);
      expect(canvas.messages.map((m) => m.recipientId).sort()).toEqual(CONFUSED_CANVAS_IDS);
      expect(canvas.messages.every((m) => m.body === MESSAGE && m.courseId === LMS_COURSE_ID)).toBe(true);
      // One request (after the two refused) makes a private conversation with each of them.
      expect(handledCalls()).toEqual(['POST /api/v1/conversations']);
      expect(canvas.conversations.map((c) => [c.private, c.recipientIds])).toEqual(
        canvas.messages.map((m) => [true, [m.recipientId]]),
      );

      // Assign: the quiz creation fails once with a 500.
      canvas.reset();
      canvas.failNext(1, '500', { pathPrefix: `/api/v1/courses/${LMS_COURSE_ID}/quizzes` });
      await widget(page).getByRole('combobox', { name: 'Quiz' }).selectOption({ label: 'Remedial' });
      await widget(page).getByRole('textbox', { name: 'Topics, comma-separated (optional)' }).fill('Gradient descent');
      await button(page, 'Assign quiz…').click();
      await widget(page).getByText('Assign this quiz?', { exact: true }).waitFor();
      // The five questions, each with its right answer ticked, before anything reaches Canvas.
      const preview = confirmation(page).getByRole('listitem').filter({ hasText: /^\s*✓/ });
      await expect.poll(() => preview.count(), poll).toBe(5);
      const ticked = (await preview.allTextContents()).map((text) => text.replace(/^\s*✓/, '').trim());
      expect(canvas.requests).toEqual([]);
      await button(page, 'Confirm').click();
      await widget(page).getByText('Quiz queued for 3 students: progress below.', { exact: true }).waitFor();
      await expect
        .poll(() => progress(page), poll)
        .toEqual({ title: 'Remedial quiz for confused students', badge: 'Done', line: '3 of 3 assigned' });
      await widget(page).getByRole('link', { name: 'Open the quiz in Canvas' }).waitFor();

      expect(canvas.quizzes).toHaveLength(1);
      const [quiz] = canvas.quizzes;
      expect(quiz).toMatchObject({ courseId: LMS_COURSE_ID, quizType: 'practice_quiz', published: true });
      expect(quiz?.onlyVisibleToOverrides).toBe(true);
      expect(quiz?.questions).toHaveLength(5);
      expect(quiz?.questions.map((q) => q.answers.filter((a) => a.weight === 100).map((a) => a.text))).toEqual(
        ticked.map((answer) => [answer]),
      );
      expect(quiz?.overrides.map((o) => [...o.studentIds].sort())).toEqual([CONFUSED_CANVAS_IDS]);
      expect(canvas.requests.filter((r) => r.fault === '500')).toHaveLength(1);
      const quizPath = `/api/v1/courses/${LMS_COURSE_ID}/quizzes`;
      expect(handledCalls()).toEqual([
        `POST ${quizPath}`,
        ...Array.from({ length: 5 }, () => `POST ${quizPath}/${quiz?.id}/questions`),
        `PUT ${quizPath}/${quiz?.id}/date_details`,
        `PUT ${quizPath}/${quiz?.id}`,
      ]);
      expect(canvas.messages).toEqual([]);

      expect(await stillSamePage(page)).toBe(true);
      expect(navigations).toBe(0);
      noErrors(instructor);
      await screenshot(page, 'interventions');
    },
    TEST_MS,
  );
});
