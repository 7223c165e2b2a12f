/**
 * The page repeats a ping or a question that failed on the way (issue 9, part 1), in Debian's Chromium against the
 * real server: the network between them is cut with Playwright's request routing. A retried write is stored once,
 * and a student whose ping could not be recorded is told so.
 */
import type { Page, Request, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uniqueId } from '../../backend/test/helpers/app.js';
import { type Harness, startHarness, WAIT_MS } from './harness.js';

const TEST_MS = 20_000;
const NOT_RECORDED = "Couldn't record that — check your connection and press again.";

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

/** The widget action a `/chatkit` request carries, if it is one. */
function actionOf(request: Request): string | undefined {
  const body = request.postDataJSON() as { type?: string; params?: { action?: { type?: string } } } | null;
  return body?.type === 'threads.custom_action' ? body.params?.action?.type : undefined;
}

/**
 * Routes the page's `/chatkit` requests: each request for `action` gets the next of `faults` (then goes through);
 * returns the list of what each attempt met.
 */
async function interfere(page: Page, action: string, faults: Array<(route: Route) => Promise<void>>) {
  const attempts: string[] = [];
  await page.route('**/chatkit', async (route) => {
    if (actionOf(route.request()) !== action) return route.continue();
    const fault = faults[attempts.length];
    attempts.push(fault ? fault.name : 'through');
    return fault ? fault(route) : route.continue();
  });
  return attempts;
}

/** Never reaches the server: the connection drops. */
const dropped = (route: Route) => route.abort('connectionreset');
/** A proxy or the server saying it cannot serve right now. */
const unavailable = (route: Route) =>
  route.fulfill({
    status: 503,
    headers: { 'retry-after': '1' },
    contentType: 'application/json',
    body: JSON.stringify({ error: 'unavailable', message: 'The database is unavailable; retry shortly' }),
  });
/** Reaches the server and is stored, but the answer is lost on the way back. */
const answerLost = async (route: Route) => {
  await route.fetch();
  await route.abort('connectionreset');
};

async function pings(courseId: string, userId: string): Promise<number> {
  const { rows } = await harness.app.pool.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM confusion_events WHERE course_id = $1 AND user_id = $2',
    [courseId, userId],
  );
  return rows[0]?.count ?? -1;
}

async function questions(courseId: string, body: string): Promise<number> {
  const { rows } = await harness.app.pool.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM questions WHERE course_id = $1 AND body = $2',
    [courseId, body],
  );
  return rows[0]?.count ?? -1;
}

async function student(): Promise<{ page: Page; courseId: string; userId: string }> {
  const courseId = uniqueId('e2e-retry');
  await harness.course(courseId, 4);
  const userId = uniqueId('student');
  const { page } = await harness.launch('Learner', userId, courseId);
  return { page, courseId, userId };
}

describe('a failed ping or question is retried by the page', () => {
  it(
    'records a ping once after a dropped connection and a 503, and the student sees it noted',
    async () => {
      const { page, courseId, userId } = await student();
      const attempts = await interfere(page, 'confusion.ping', [dropped, unavailable]);
      await page.getByRole('button', { name: "I'm Confused", exact: true }).click();
      await page.getByText('Noted. Your instructor can see this slide is confusing.').waitFor();
      expect(attempts).toEqual(['dropped', 'unavailable', 'through']);
      expect(await pings(courseId, userId)).toBe(1);
      expect(await page.getByText(NOT_RECORDED).count()).toBe(0);
    },
    TEST_MS,
  );

  it(
    'stores a question once when the answer to its first attempt was lost',
    async () => {
      const { page, courseId } = await student();
      const body = `Why is the learning rate a hyperparameter? ${uniqueId('q')}`;
      const attempts = await interfere(page, 'question.submit', [answerLost]);
      await page.getByRole('button', { name: 'Ask a Question', exact: true }).click();
      await page.getByRole('textbox', { name: "What's unclear? Your instructor sees your question." }).fill(body);
      await page.getByRole('button', { name: 'Send question', exact: true }).click();
      // The live refresh may show the stored question's notice before the retry: wait for the retry itself.
      await expect.poll(() => attempts, { timeout: WAIT_MS, interval: 50 }).toEqual(['answerLost', 'through']);
      await page.getByText('Question sent.', { exact: true }).waitFor();
      expect(await page.getByText(NOT_RECORDED).count()).toBe(0);
      expect(await questions(courseId, body)).toBe(1); // the retry carried the same request id
    },
    TEST_MS,
  );

  it(
    'tells the student when a ping could not be recorded, and records it when they press again',
    async () => {
      const { page, courseId, userId } = await student();
      const attempts = await interfere(page, 'confusion.ping', [dropped, dropped, dropped, dropped]);
      const confused = page.getByRole('button', { name: "I'm Confused", exact: true });
      await confused.click();
      const alert = page.getByRole('alert').filter({ hasText: NOT_RECORDED });
      await alert.waitFor({ timeout: WAIT_MS });
      expect(attempts).toEqual(['dropped', 'dropped', 'dropped', 'dropped']);
      expect(await pings(courseId, userId)).toBe(0);

      // The connection is back: pressing again records it.
      await confused.click();
      await page.getByText('Noted. Your instructor can see this slide is confusing.').waitFor();
      expect(await pings(courseId, userId)).toBe(1);
    },
    TEST_MS,
  );
});
