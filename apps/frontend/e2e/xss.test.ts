/**
 * Hostile text stays inert in a real browser. Script tags, `onerror` images, raw `javascript:` anchors and Markdown
 * links and images with `javascript:` and `data:` URLs go into a course name, a lecture imported through the admin API
 * (title, slide titles, topic, notes), a question and a chat message; the student and instructor pages then show them,
 * with the notes and an explanation, and no script runs, no dialog opens, and no `javascript:` or `data:` URL is in
 * the DOM. Safe links (https) still work.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET, uniqueId } from '../../backend/test/helpers/app.js';
import { type Harness, type Person, startHarness, widget } from './harness.js';

const TEST_MS = 30_000;

/** Each payload sets window.__xss (or opens a dialog) if it ever runs. */
const HTML = `<img src=x onerror="window.__xss='img'"><script>window.__xss='script'</script><a href="javascript:window.__xss='a'">raw link</a>`;
const MARKDOWN = [
  "[js link](javascript:window.__xss='md-link')",
  '[spaced js link](java%0Ascript:alert(1))',
  '[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  "![js image](javascript:window.__xss='md-image')",
  '![data image](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+)',
  '[safe link](https://example.com/reading)',
].join(' ');
const HOSTILE = `${HTML} ${MARKDOWN}`;

const LECTURE = `# Lecture ${HTML}

## Intro ${HTML}
Topic: Danger ${HTML}
Notes for the intro. ${HOSTILE}

## Second slide
Topic: Safety
More notes. ${MARKDOWN}
`;

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterEach(async () => {
  await harness?.closePeople();
});
afterAll(async () => {
  await harness?.close();
});

function button(person: Person, name: string | RegExp) {
  return widget(person.page).getByRole('button', { name, exact: typeof name === 'string' });
}

/** Records dialogs (alert, confirm, prompt) the page opens; dismisses them. */
function watchDialogs(person: Person): string[] {
  const dialogs: string[] = [];
  person.page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return dialogs;
}

/** What a script payload would leave behind in the page, if any ran or any unsafe URL got through. */
async function traces(person: Person) {
  return person.page.evaluate(() => {
    const unsafe = /^\s*(javascript|data|vbscript):/i;
    // The body only: the head's own favicon is a data: URL of the page's making.
    const urls = [...document.body.querySelectorAll('[href], [src], [action], [formaction], [xlink\\:href]')].flatMap(
      (el) => ['href', 'src', 'action', 'formaction', 'xlink:href'].map((name) => el.getAttribute(name) ?? ''),
    );
    return {
      xss: (window as unknown as { __xss?: unknown }).__xss,
      unsafeUrls: urls.filter((url) => unsafe.test(url.replace(/[\t\n\r]/g, ''))),
      injectedImages: document.querySelectorAll('img[src="x"]').length,
      inlineScripts: [...document.querySelectorAll('script')].filter((s) => s.textContent?.includes('__xss')).length,
      eventHandlers: [...document.body.querySelectorAll('*')].filter((el) =>
        [...el.attributes].some((a) => a.name.startsWith('on')),
      ).length,
    };
  });
}

async function expectInert(person: Person, dialogs: string[]) {
  expect(await traces(person)).toEqual({
    xss: undefined,
    unsafeUrls: [],
    injectedImages: 0,
    inlineScripts: 0,
    eventHandlers: 0,
  });
  expect(dialogs).toEqual([]);
  expect(person.errors).toEqual([]);
}

describe('hostile text in the page', () => {
  it(
    'stays text in the course name, the imported lecture, notes, explanations, questions and chat',
    async () => {
      const courseId = uniqueId('e2e-xss');
      const imported = await harness.app.app.inject({
        method: 'POST',
        url: `/api/admin/courses/${courseId}/material`,
        headers: { authorization: `Bearer ${TEST_SECRET}`, 'content-type': 'text/markdown' },
        payload: LECTURE,
      });
      expect(imported.statusCode, imported.body).toBe(200);
      const courseName = `Course ${HTML}`;
      const student = await harness.launch('Learner', uniqueId('student'), courseId, courseName);
      const instructor = await harness.launch('Instructor', uniqueId('prof'), courseId, courseName);
      const studentDialogs = watchDialogs(student);
      const instructorDialogs = watchDialogs(instructor);

      // The course name and the slide's title are shown as written.
      await widget(student.page).getByText(courseName, { exact: true }).waitFor();
      await widget(student.page)
        .getByText(/Intro <img src=x onerror=/)
        .waitFor();

      // Notes and an explanation: the page's Markdown renderer draws them.
      await button(student, 'Notes').click();
      await student.page
        .getByText(/Notes for the intro\./)
        .first()
        .waitFor();
      await button(student, /^Explain Danger/).click();
      await student.page
        .getByRole('link', { name: /safe link/ })
        .first()
        .waitFor();
      expect(
        await student.page
          .getByRole('link', { name: /safe link/ })
          .first()
          .getAttribute('href'),
      ).toBe('https://example.com/reading');
      // The unsafe Markdown links are left as their text, not links.
      await student.page.getByText('js link', { exact: true }).first().waitFor();
      expect(await student.page.getByRole('link', { name: 'js link' }).count()).toBe(0);

      // A question and a chat message.
      await button(student, 'Ask a Question').click();
      await student.page
        .getByRole('textbox', { name: "What's unclear? Your instructor sees your question." })
        .fill(HOSTILE);
      await button(student, 'Send question').click();
      await student.page.getByText('Question sent.', { exact: true }).waitFor();
      await student.page.getByRole('textbox', { name: 'Message Class Assist' }).fill(HOSTILE);
      await student.page.keyboard.press('Enter');
      await student.page.getByText(HOSTILE, { exact: true }).first().waitFor();

      // The instructor's view of the same course, and its export link.
      await widget(instructor.page).getByText(courseName, { exact: true }).waitFor();
      await button(instructor, 'Export CSV').click();
      await instructor.page.getByRole('link', { name: /Download the confusion data/ }).waitFor();

      // A moment for anything delayed (an image's onerror) to have fired.
      await student.page.waitForTimeout(300);
      await expectInert(student, studentDialogs);
      await expectInert(instructor, instructorDialogs);
    },
    TEST_MS,
  );
});
