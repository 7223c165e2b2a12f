/**
 * The browser tests' world: the current page build, Class Assist on a test database of its own listening on a real
 * port, and Debian's Chromium driven through playwright-core. Each person is a browser context of their own (their
 * own cookies), signed in through `/dev/launch`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { seedDemoCourse } from '../../backend/src/db/seed-demo.js';
import { addSlides, buildTestApp, DEMO_LECTURE, type TestApp, type TestClock } from '../../backend/test/helpers/app.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CHROMIUM = '/usr/bin/chromium';
export const VIEWPORT = { width: 1000, height: 1100 };
/** How long one wait for the page may take before the test fails (well inside the 20 s a test may take). */
export const WAIT_MS = 8_000;

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type Role = 'Instructor' | 'Learner';

export interface Person {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions on the page so far. */
  errors: string[];
}

export interface Harness {
  app: TestApp;
  baseUrl: string;
  browser: Browser;
  /** Adds a course with the first `count` slides of the demo lecture. */
  course(courseId: string, count?: number): Promise<void>;
  /** A new browser context (fresh cookies) on `path`, without signing in. */
  visit(path: string): Promise<Person>;
  /** A new browser context signed in through /dev/launch, with the Class Assist widget loaded and live. */
  launch(role: Role, userId: string, courseId: string, courseName?: string): Promise<Person>;
  /** Closes every context opened so far (between tests). */
  closePeople(): Promise<void>;
  close(): Promise<void>;
}

/** A clock that follows real time (the browser's), which tests may still move. */
export function liveClock(): TestClock {
  let offset = 0;
  const clock = (() => new Date(Date.now() + offset)) as TestClock;
  clock.set = (value) => {
    offset = new Date(value).getTime() - Date.now();
  };
  clock.advance = (seconds) => {
    offset += seconds * 1000;
  };
  return clock;
}

export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser tests need Debian's Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` ` +
        '(`npx playwright install` cannot download browsers here).',
    );
  }
}

/** `node scripts/build-frontend-if-stale.mjs`: apps/frontend/dist as current as its sources. */
export function buildFrontend(): string {
  const result = spawnSync(process.execPath, ['scripts/build-frontend-if-stale.mjs'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`Building the page failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return path.join(ROOT, 'apps/frontend/dist');
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  requireChromium();
  const frontendDist = buildFrontend();
  const app = await buildTestApp({ env, clock: liveClock(), frontendDist });
  const people: Person[] = [];
  let browser: Browser | undefined;
  try {
    // The demo course, as `npm start` seeds it into an empty database (the landing page's links open it).
    const client = await app.pool.connect();
    try {
      await seedDemoCourse(client, app.clock());
    } finally {
      client.release();
    }
    await app.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.app.server.address() as AddressInfo;
    const baseUrl = `http://127.0.0.1:${port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const opened = browser;

    const visit = async (target: string): Promise<Person> => {
      const context = await opened.newContext({ baseURL: baseUrl, viewport: VIEWPORT, reducedMotion: 'reduce' });
      context.setDefaultTimeout(WAIT_MS);
      const page = await context.newPage();
      const person: Person = { context, page, errors: [] };
      page.on('pageerror', (error) => person.errors.push(error.message));
      people.push(person);
      await page.goto(target);
      return person;
    };

    return {
      app,
      baseUrl,
      browser: opened,
      async course(courseId, count = 4) {
        await addSlides(app.pool, courseId, DEMO_LECTURE.slice(0, count));
      },
      visit,
      async launch(role, userId, courseId, courseName) {
        const query = new URLSearchParams({ role, userId, courseId, ...(courseName ? { courseName } : {}) });
        const person = await visit(`/dev/launch?${query}`);
        await widget(person.page).waitFor();
        // Subscribed to the course's changes: from now on it sees them without a reload.
        await person.page
          .getByRole('status')
          .filter({ hasText: /^Live$/ })
          .waitFor();
        return person;
      },
      async closePeople() {
        const closing = people.splice(0);
        await Promise.all(closing.map((person) => person.context.close()));
      },
      async close() {
        await Promise.all(people.splice(0).map((person) => person.context.close()));
        await opened.close();
        await app.close();
      },
    };
  } catch (error) {
    await browser?.close();
    await app.close();
    throw error;
  }
}

/** The Class Assist widget (a region named "Class Assist"). */
export function widget(page: Page): Locator {
  return page.getByRole('region', { name: 'Class Assist' });
}

/** The heatmap's accessible data table (the Chart's drawing is hidden from screen readers; this carries its data). */
export function heatmapTable(page: Page): Locator {
  return page.getByRole('table', { name: 'Chart of % confused' });
}

/** The "% confused" cell of one slide's row in the heatmap table: `[]` while the row is not there. */
export function confusedOn(page: Page, label: string): Promise<string[]> {
  return heatmapTable(page)
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: label, exact: true }) })
    .getByRole('cell')
    .allTextContents();
}

/** Marks the page's window; `stillSamePage` is true only while no navigation or reload has replaced it. */
export async function markWindow(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { __e2eMarker?: string }).__e2eMarker = 'kept';
  });
}

export function stillSamePage(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __e2eMarker?: string }).__e2eMarker === 'kept');
}

/** Writes `docs/screenshots/<name>.png` when UPDATE_SCREENSHOTS=1. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  const dir = path.join(ROOT, 'docs/screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: false });
}
