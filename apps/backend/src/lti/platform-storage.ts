/**
 * LTI platform storage ("LTI Client Side postMessages"): when the platform names an `lti_storage_target`, the
 * browser may block the tool's cookies inside the LMS iframe, so the login state is also kept in the platform's
 * storage through `lti.put_data`, and the launch checks it in the browser with `lti.get_data` before the page uses
 * its session. The check must run in the browser that started the login, so the session of such a launch is handed
 * only to the checking page (no cookie): a launch forged into another browser finds no state there and stops.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/** JSON for inside a <script>: no "</script>", no HTML comment openers. */
function scriptValue(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** Finds the storage frame the platform named: `_parent`, or a sibling frame of that name. */
const FIND_TARGET = `function findTarget(name) {
    if (name === '_parent') return window.parent;
    try { return window.parent.frames[name] || (window.top && window.top.frames[name]) || null; } catch (e) { return null; }
  }`;

function sendPage(reply: FastifyReply, title: string, body: string, script: string): FastifyReply {
  const nonce = randomBytes(16).toString('base64');
  return reply
    .code(200)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header(
      'content-security-policy',
      `default-src 'none'; script-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'`,
    )
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
        `<body><p id="status" role="status">${body}</p><script nonce="${nonce}">${script}</script></body></html>`,
    );
}

/**
 * The login's answer when the platform offers storage: put state and nonce there, then go on to the platform's
 * authorisation URL (also when the storage does not answer within 2 s: the state cookie may still work).
 */
export function sendLoginWithPlatformStorage(
  reply: FastifyReply,
  options: { target: string; platformOrigin: string; authUrl: string; state: string; nonce: string },
): FastifyReply {
  const script = `(function () {
  ${FIND_TARGET}
  var target = findTarget(${scriptValue(options.target)});
  var origin = ${scriptValue(options.platformOrigin)};
  var next = ${scriptValue(options.authUrl)};
  var items = [["state_" + ${scriptValue(options.state)}, ${scriptValue(options.state)}], ["nonce_" + ${scriptValue(options.nonce)}, ${scriptValue(options.nonce)}]];
  var waiting = items.length, gone = false;
  function go() { if (!gone) { gone = true; window.location.replace(next); } }
  if (!target) return go();
  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (event.origin !== origin || data.subject !== "lti.put_data.response") return;
    if (String(data.message_id).indexOf("class-assist-put-") === 0 && --waiting === 0) go();
  });
  items.forEach(function (item, i) {
    target.postMessage({ subject: "lti.put_data", message_id: "class-assist-put-" + i, key: item[0], value: item[1] }, origin);
  });
  setTimeout(go, 2000);
})();`;
  return sendPage(reply, 'Class Assist', 'Opening Class Assist…', script);
}

/**
 * The launch's answer when the state cookie did not come back but the platform offers storage: the page reads the
 * state from the platform's storage and only when it matches opens the page with the session.
 */
export function sendLaunchCheckedByPlatformStorage(
  reply: FastifyReply,
  options: { target: string; platformOrigin: string; state: string; sessionToken: string },
): FastifyReply {
  const script = `(function () {
  ${FIND_TARGET}
  var status = document.getElementById("status");
  var target = findTarget(${scriptValue(options.target)});
  var origin = ${scriptValue(options.platformOrigin)};
  var state = ${scriptValue(options.state)};
  var session = ${scriptValue(options.sessionToken)};
  var done = false;
  function fail(why) {
    if (done) return; done = true;
    status.textContent = "Class Assist could not confirm this launch in your browser (" + why + "). Open Class Assist again from your course.";
  }
  if (!target) return fail("no platform storage");
  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (event.origin !== origin || data.subject !== "lti.get_data.response" || data.message_id !== "class-assist-get-state") return;
    if (done) return;
    if (data.value === state) { done = true; window.location.replace("/#session=" + encodeURIComponent(session)); }
    else fail(data.error && data.error.code ? data.error.code : "state mismatch");
  });
  target.postMessage({ subject: "lti.get_data", message_id: "class-assist-get-state", key: "state_" + state }, origin);
  setTimeout(function () { fail("no answer from the platform"); }, 5000);
})();`;
  return sendPage(reply, 'Class Assist', 'Checking your launch…', script);
}
