import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../backend/src/db/embedded-postgres.js';
import { buildTestApp, type TestApp } from '../../backend/test/helpers/app.js';
import {
  fixture,
  type MockPlatform,
  registerPlatform,
  startMockPlatform,
} from '../../backend/test/helpers/lti-platform.js';
import { buildFrontend, CHROMIUM, requireChromium, WAIT_MS } from './harness.js';

// An LMS that frames Class Assist on another site, where the tool's cookies do not come back (the tool runs on
// localhost, the platform on 127.0.0.1): the launch must still work through the platform's postMessage storage.
describe('LTI launch in a cross-site iframe with platform storage', () => {
  let t: TestApp;
  let platform: MockPlatform;
  let browser: Browser;
  let toolBase = '';

  /** The platform's course page: the tool in an iframe, and the platform's side of lti.put_data / lti.get_data. */
  const coursePage = (
    loginUrl: string,
    forget: boolean,
  ) => `<!doctype html><html><head><title>LMS course</title></head><body>
<h1>LMS course page</h1>
<iframe name="tool" title="Class Assist" src="${loginUrl}" width="900" height="700"></iframe>
<script>
  var storage = {};
  window.addEventListener('message', function (event) {
    var data = event.data || {};
    if (data.subject === 'lti.put_data') {
      storage[data.key] = data.value;
      event.source.postMessage({ subject: 'lti.put_data.response', message_id: data.message_id, key: data.key, value: data.value }, event.origin);
    } else if (data.subject === 'lti.get_data') {
      var value = ${forget ? "'not-what-the-tool-stored'" : 'storage[data.key]'};
      event.source.postMessage({ subject: 'lti.get_data.response', message_id: data.message_id, key: data.key, value: value }, event.origin);
    }
  });
</script></body></html>`;

  beforeAll(async () => {
    requireChromium();
    const frontendDist = buildFrontend();
    const port = await freePort();
    toolBase = `http://localhost:${port}`;
    t = await buildTestApp({ env: { PUBLIC_URL: toolBase }, frontendDist });
    await t.app.listen({ host: '127.0.0.1', port });
    const student = fixture('valid', 'Launch LTI 1.3 Message as Student');
    platform = await startMockPlatform({
      extraRoutes(request, response) {
        const url = new URL(request.url ?? '/', 'http://platform');
        if (url.pathname === '/course') {
          const login = new URL(`${toolBase}/lti/login`);
          for (const [key, value] of Object.entries({
            iss: platform.registration.issuer,
            client_id: platform.registration.client_id,
            login_hint: 'student-hint',
            target_link_uri: `${toolBase}/`,
            lti_deployment_id: platform.registration.deployment_ids[0] ?? '',
            lti_storage_target: '_parent',
          })) {
            login.searchParams.set(key, value);
          }
          const forget = url.searchParams.has('forget');
          response.writeHead(200, { 'content-type': 'text/html' }).end(coursePage(login.toString(), forget));
          return true;
        }
        if (url.pathname === '/auth') {
          // The platform's OIDC endpoint: sign the launch with the tool's nonce and form-post it back.
          const state = url.searchParams.get('state') ?? '';
          const redirect = url.searchParams.get('redirect_uri') ?? '';
          void platform.sign(student.payload, { nonce: url.searchParams.get('nonce') ?? '' }).then((idToken) => {
            const fields = { id_token: idToken, state, lti_storage_target: '_parent' };
            const inputs = Object.entries(fields)
              .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
              .join('');
            response
              .writeHead(200, { 'content-type': 'text/html' })
              .end(
                `<!doctype html><form method="post" action="${redirect}">${inputs}</form><script>document.forms[0].submit()</script>`,
              );
          });
          return true;
        }
        return false;
      },
    });
    await registerPlatform(t.app, t.config.agentkitSecret, platform);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.close();
    await t?.close();
  });

  it('opens the student view inside the LMS page although the state cookie never comes back', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(`${platform.url}/course`);
    const tool = page.frameLocator('iframe[name="tool"]');
    // Seven hops (login page, platform storage, auth, launch, storage check, the page, its session): allow time.
    await expect
      .poll(() => tool.getByText(/Signed in as/).textContent(), { timeout: 2 * WAIT_MS })
      .toMatch(/\(student\)/);
    // The widget loads after the header: wait for it.
    await tool.getByRole('button', { name: "I'm Confused" }).waitFor({ state: 'visible' });
    // It really went the storage way: the tool's page never received a session cookie in the frame.
    const cookies = await page.context().cookies(toolBase);
    expect(cookies.map((c) => c.name)).not.toContain('class_assist_session');
    await page.close();
  });

  it('stops, without a session, when the platform storage does not confirm the launch state', async () => {
    // What a launch forged into this browser looks like: valid token and state, but not this browser's login.
    const page = await browser.newPage();
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(`${platform.url}/course?forget`);
    const tool = page.frameLocator('iframe[name="tool"]');
    await expect
      .poll(() => tool.getByRole('status').textContent(), { timeout: WAIT_MS })
      .toMatch(/could not confirm this launch in your browser \(state mismatch\)/);
    expect(
      page
        .frames()
        .map((frame) => frame.url())
        .some((url) => url.includes('#session=')),
    ).toBe(false);
    await page.close();
  });
});
