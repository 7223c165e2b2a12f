/**
 * A student takes a quiz in the widget in a real browser, with no model configured: I'm Confused on a slide, Quiz me,
 * five questions about that slide answered by clicking, then the score; answers are stored as clicked.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uniqueId } from '../../backend/test/helpers/app.js';
import { type Harness, startHarness, widget } from './harness.js';

const TEST_MS = 30_000;

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

function button(page: Page, name: string | RegExp) {
  return widget(page).getByRole('button', { name, exact: typeof name === 'string' });
}

describe('a quiz in the browser', () => {
  it(
    'asks five questions on the flagged slide, one at a time, and shows the score',
    async () => {
      const courseId = uniqueId('e2e-quiz');
      await harness.course(courseId, 12);
      const userId = uniqueId('student');
      const student = await harness.launch('Learner', userId, courseId, 'Introduction to Machine Learning');
      const { page } = student;

      await button(page, "I'm Confused").click();
      await page.getByText('Noted. Your instructor can see this slide is confusing.').waitFor();
      await button(page, 'Quiz me').click();
      await widget(page).getByText('Question 1 of 5', { exact: true }).waitFor();
      expect(
        await new AxeBuilder({ page })
          .include('.ck-widget')
          .analyze()
          .then((r) => r.violations),
      ).toEqual([]);

      const picks: number[] = [];
      for (let n = 1; n <= 5; n++) {
        await widget(page).getByText(`Question ${n} of 5`, { exact: true }).waitFor();
        const choices = button(page, /^[A-D]\. /);
        expect(await choices.count()).toBe(4);
        const pick = n % 4;
        picks.push(pick);
        await choices.nth(pick).click();
        await widget(page)
          .getByText(/^(Correct|Not quite)$/)
          .waitFor();
        expect(await button(page, /^[A-D]\. /).count()).toBe(0);
        await button(page, n === 5 ? 'See my score' : 'Next question').click();
      }

      await widget(page)
        .getByText(/^\d of 5 correct \(\d+%\)$/)
        .waitFor();
      const { rows } = await harness.app.pool.query<{ choice_index: number; correct: boolean; slide_id: string }>(
        `SELECT ans.choice_index, ans.correct, ans.slide_id FROM quiz_answers ans
         JOIN quiz_attempts a ON a.id = ans.attempt_id WHERE a.user_id = $1 ORDER BY ans.answered_at, ans.question_id`,
        [userId],
      );
      expect(rows.map((r) => r.choice_index).sort()).toEqual([...picks].sort());
      const correct = rows.filter((r) => r.correct).length;
      await widget(page)
        .getByText(`${correct} of 5 correct (${correct * 20}%)`, { exact: true })
        .waitFor();
      // Every question is about the slide the student flagged (the first slide, the one being taught).
      expect(new Set(rows.map((r) => r.slide_id))).toEqual(new Set(['slide-1']));
      await page.getByText(/Quiz finished:/).waitFor();

      await button(page, 'Close quiz').click();
      await widget(page)
        .getByText(/of 5 correct/)
        .waitFor({ state: 'detached' });
      expect(student.errors).toEqual([]);
    },
    TEST_MS,
  );
});
