/**
 * The page under the server's Content-Security-Policy, in Chromium: it loads and works without a single CSP
 * violation, an LMS on another site may frame it, and one that FRAME_ANCESTORS leaves out may not.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConsoleMessage, Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, WAIT_MS, widget } from './harness.js';

/** An "LMS" on another site (localhost, while the tool is on 127.0.0.1) whose course page frames `src`. */
async function startLms(): Promise<{ url(src: string): string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const src = new URL(request.url ?? '/', 'http://localhost').searchParams.get('src') ?? '';
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(
      `<!doctype html><title>LMS course</title><h1>LMS course</h1><iframe title="Class Assist" src="${src.replace(/"/g, '&quot;')}" width="900" height="800"></iframe>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (src) => `http://localhost:${port}/?src=${encodeURIComponent(src)}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const cspViolations = (messages: ConsoleMessage[]) =>
  messages.map((message) => message.text()).filter((text) => /Content Security Policy/i.test(text));

describe('the page under its Content-Security-Policy', () => {
  let harness: Harness;
  let lms: Awaited<ReturnType<typeof startLms>>;
  beforeAll(async () => {
    harness = await startHarness();
    lms = await startLms();
  }, 120_000);
  afterAll(async () => {
    await lms?.close();
    await harness?.close();
  });

  it('renders the widget with no CSP violation', async () => {
    const person = await harness.visit('/');
    const messages: ConsoleMessage[] = [];
    person.page.on('console', (message) => messages.push(message));
    const launch = await person.page.goto(
      `/dev/launch?${new URLSearchParams({ role: 'Learner', userId: 'csp-student', courseId: 'demo' })}`,
    );
    expect(launch?.ok()).toBe(true);
    await widget(person.page).waitFor();
    await person.page.getByRole('button', { name: "I'm Confused", exact: true }).click();
    await person.page.getByText('Noted. Your instructor can see this slide is confusing.').waitFor();
    const page = await person.page.request.get('/');
    expect(page.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(cspViolations(messages)).toStrictEqual([]);
    expect(person.errors).toStrictEqual([]);
  }, 20_000);

  it('can be framed by an LMS on another site', async () => {
    const person = await harness.visit(
      lms.url(`${harness.baseUrl}/dev/launch?role=Learner&userId=csp-framed&courseId=demo`),
    );
    const frame = await toolFrame(person.page.frames());
    await frame.getByRole('region', { name: 'Class Assist' }).waitFor({ timeout: WAIT_MS });
  }, 20_000);
});

describe('FRAME_ANCESTORS', () => {
  it('keeps an LMS it does not list from framing the page', async () => {
    const harness = await startHarness({ FRAME_ANCESTORS: "'self'" });
    const lms = await startLms();
    try {
      const person = await harness.visit(lms.url(`${harness.baseUrl}/dev/launch?role=Learner&userId=x&courseId=demo`));
      const messages: ConsoleMessage[] = [];
      person.page.on('console', (message) => messages.push(message));
      await person.page.reload();
      await expect.poll(() => cspViolations(messages).join('\n'), { timeout: WAIT_MS }).toMatch(/frame-ancestors/);
      const frame = await toolFrame(person.page.frames()).catch(() => undefined);
      expect(await frame?.getByRole('region', { name: 'Class Assist' }).count()).toBeFalsy();
    } finally {
      await harness.close();
      await lms.close();
    }
  }, 60_000);
});

/** The iframe holding the tool. */
async function toolFrame(frames: Frame[]): Promise<Frame> {
  const frame = frames.find((candidate) => candidate.parentFrame() !== null);
  if (!frame) throw new Error('no iframe on the LMS page');
  return frame;
}
