/**
 * Deep linking in the browser: an instructor's LtiDeepLinkingRequest launch answers a small picker page (what to add
 * to the course), whose form posts to `POST /lti/deep-link` with a signed, short-lived token ('deeplink', see
 * auth/tokens.ts) carrying everything the response needs (platform issuer, client_id, deployment_id, return URL,
 * data, the member). Nothing else in the form is trusted: only the choice is read from it. The answer is the signed
 * LtiDeepLinkingResponse, auto-posted to the platform's return URL. Every refusal is the LTI error page.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mapRoles } from '../access/roles.js';
import type { Identity, TokenService } from '../auth/tokens.js';
import type { Config } from '../config.js';
import type { DomainDeps } from '../domain/deps.js';
import { AppError } from '../errors.js';
import { escapeHtml } from '../http/html.js';
import {
  autoPostForm,
  buildDeepLinkingResponse,
  DEEP_LINKING_CLAIMS,
  type DeepLinkingSettings,
  type LtiResourceLinkItem,
  readDeepLinkingSettings,
} from './deep-linking.js';
import { LtiError, sendLtiError } from './error-page.js';
import type { LaunchClaims } from './id-token.js';
import type { ToolKeys } from './tool-keys.js';

export const DEEP_LINK_CHOICES = ['course', 'quiz'] as const;
export type DeepLinkChoice = (typeof DEEP_LINK_CHOICES)[number];

const CHOICE_LABELS: Record<DeepLinkChoice, { label: string; hint: (course: string) => string }> = {
  course: {
    label: 'Class Assist for this course',
    hint: (course) => `A link that opens Class Assist for ${course}.`,
  },
  quiz: {
    label: 'Remedial quiz (graded)',
    hint: () => 'A graded link: your LMS adds a grade column scored out of 100.',
  },
};

/** The content item a choice adds to the course. */
export function deepLinkItem(choice: DeepLinkChoice, courseName: string, publicUrl: string): LtiResourceLinkItem {
  const url = `${publicUrl}/lti/launch`;
  if (choice === 'course') return { type: 'ltiResourceLink', url, title: `Class Assist — ${courseName}` };
  return {
    type: 'ltiResourceLink',
    url,
    title: `Remedial quiz — ${courseName}`,
    custom: { class_assist_target: 'quiz' },
    lineItem: {
      scoreMaximum: 100,
      label: `Remedial quiz — ${courseName}`,
      resourceId: 'class-assist-remedial-quiz',
      tag: 'class-assist',
    },
  };
}

/**
 * Checks a deep linking launch before anything is recorded: an instructor, valid settings, and a platform that
 * accepts ltiResourceLink items. Returns the settings.
 */
export function checkDeepLinkingLaunch(claims: LaunchClaims): DeepLinkingSettings {
  if (mapRoles(claims.roles) !== 'instructor') {
    throw new LtiError(
      'deep_linking_forbidden',
      'Only instructors can add Class Assist to a course. Open Class Assist from an existing course link instead.',
      403,
    );
  }
  let settings: DeepLinkingSettings;
  try {
    settings = readDeepLinkingSettings({ [DEEP_LINKING_CLAIMS.settings]: claims.deepLinking });
  } catch (err) {
    throw new LtiError(
      'missing_claims',
      `The deep linking request is not usable: ${err instanceof Error ? err.message : 'invalid settings'}`,
    );
  }
  if (!settings.accept_types.includes('ltiResourceLink')) {
    const asked = settings.accept_types.length > 0 ? settings.accept_types.join(', ') : 'no content type';
    throw new LtiError(
      'deep_linking_unsupported',
      `Your LMS accepts only ${asked} here, but Class Assist can only add LTI links (ltiResourceLink). ` +
        'Add Class Assist from a placement that accepts LTI links (an external tool activity or assignment), ' +
        'or ask your LMS administrator to allow them.',
    );
  }
  return settings;
}

export interface PickerPageOptions {
  courseName: string;
  token: string;
  multiple: boolean;
  styleNonce: string;
  /** Shown above the choices (e.g. nothing was chosen). */
  error?: string;
  /** The choices to show as selected. */
  selected?: DeepLinkChoice[];
}

/** The picker: a plain form (no script, no external asset), its one style block allowed by a CSP nonce. */
export function pickerPage({ courseName, token, multiple, styleNonce, error, selected = [] }: PickerPageOptions) {
  const course = escapeHtml(courseName);
  const choices = DEEP_LINK_CHOICES.map((choice, i) => {
    const id = `choice-${choice}`;
    const { label, hint } = CHOICE_LABELS[choice];
    const input = multiple
      ? `<input type="checkbox" id="${id}" name="${choice}" value="yes"`
      : `<input type="radio" id="${id}" name="item" value="${choice}"${i === 0 ? ' required' : ''}`;
    const checked = selected.includes(choice) ? ' checked' : '';
    return `<div class="choice">${input}${checked} aria-describedby="${id}-hint">
<label for="${id}">${escapeHtml(label)}</label>
<p class="hint" id="${id}-hint">${escapeHtml(hint(courseName))}</p></div>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Add Class Assist — ${course}</title>
<style nonce="${escapeHtml(styleNonce)}">body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1f2933}
fieldset{border:1px solid #cbd2d9;border-radius:.4rem;padding:1rem}.choice{margin:.5rem 0}.hint{margin:.1rem 0 0 1.7rem;color:#52606d}
.error{color:#a61b1b;font-weight:600}button{margin-top:1rem;padding:.5rem 1rem;font:inherit}</style></head>
<body><main>
<h1>Add Class Assist to ${course}</h1>
${error ? `<p class="error" role="alert" id="picker-error">${escapeHtml(error)}</p>\n` : ''}<form method="post" action="/lti/deep-link">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<fieldset${error ? ' aria-describedby="picker-error"' : ''}>
<legend>${multiple ? 'Choose one or both' : 'Choose one'}</legend>
${choices}
</fieldset>
<button type="submit">Add to course</button>
</form>
</main></body></html>
`;
}

const pickerCsp = (styleNonce: string) =>
  `default-src 'none'; style-src 'nonce-${styleNonce}'; form-action 'self'; base-uri 'none'`;

function sendPicker(reply: FastifyReply, options: PickerPageOptions, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', pickerCsp(options.styleNonce))
    .type('text/html; charset=utf-8')
    .send(pickerPage(options));
}

const newNonce = () => randomBytes(16).toString('base64');

/** Answers an accepted (and recorded) deep linking launch with the picker. */
export async function answerDeepLinkingLaunch(
  reply: FastifyReply,
  tokens: TokenService,
  claims: LaunchClaims,
  settings: DeepLinkingSettings,
  identity: Identity,
): Promise<FastifyReply> {
  const extra: Record<string, string> = {
    iss: claims.issuer,
    cid: claims.clientId,
    dep: claims.deploymentId,
    ret: settings.deep_link_return_url,
    multi: settings.accept_multiple ? '1' : '0',
  };
  if (settings.data !== undefined) extra.data = settings.data;
  const { token } = await tokens.issue('deeplink', identity, extra);
  return sendPicker(reply, {
    courseName: identity.courseName,
    token,
    multiple: settings.accept_multiple,
    styleNonce: newNonce(),
  });
}

function formFields(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const body = request.body;
  if (body && typeof body === 'object') {
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      if (typeof value === 'string') out[key] = value;
    }
  }
  return out;
}

const invalid = () =>
  new LtiError(
    'deep_link_invalid',
    'This choice has expired or is not valid: start adding Class Assist again from your course.',
  );

/** `POST /lti/deep-link`: the picker's form → the signed LtiDeepLinkingResponse, auto-posted to the platform. */
export function deepLinkHandler({
  deps,
  config,
  tokens,
  toolKeys,
}: {
  deps: DomainDeps;
  config: Config;
  tokens: TokenService;
  toolKeys: ToolKeys;
}) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const form = formFields(request);
      if (!form.token) throw invalid();
      let picked: Awaited<ReturnType<TokenService['verify']>>;
      try {
        picked = await tokens.verify('deeplink', form.token);
      } catch (err) {
        if (err instanceof AppError && err.code === 'unauthorized') throw invalid();
        throw err;
      }
      const x = picked.extra;
      if (!x.iss || !x.cid || !x.dep || !x.ret) throw invalid();
      if (picked.role !== 'instructor') {
        throw new LtiError('deep_linking_forbidden', 'Only instructors can add Class Assist to a course.', 403);
      }
      const multiple = x.multi === '1';
      const chosen = new Set<DeepLinkChoice>();
      const known = (value: string): value is DeepLinkChoice =>
        (DEEP_LINK_CHOICES as readonly string[]).includes(value);
      if (form.item !== undefined) {
        if (!known(form.item)) throw new LtiError('deep_link_invalid', 'Unknown choice: choose one of the options.');
        chosen.add(form.item);
      }
      for (const choice of DEEP_LINK_CHOICES) if (form[choice] === 'yes') chosen.add(choice);
      const again = (error: string) =>
        sendPicker(
          reply,
          {
            courseName: picked.courseName,
            token: form.token as string,
            multiple,
            styleNonce: newNonce(),
            error,
            selected: [...chosen],
          },
          400,
        );
      if (chosen.size === 0) return again('Choose what to add to the course.');
      if (!multiple && chosen.size > 1) return again('Your LMS accepts only one item here: choose one.');

      const items = DEEP_LINK_CHOICES.filter((c) => chosen.has(c)).map((c) =>
        deepLinkItem(c, picked.courseName, config.publicUrl),
      );
      const jwt = await buildDeepLinkingResponse({
        signer: await toolKeys.getToolSigner(),
        clientId: x.cid,
        platformIssuer: x.iss,
        deploymentId: x.dep,
        data: x.data,
        items,
        clock: deps.clock,
      });
      const scriptNonce = newNonce();
      const page = autoPostForm(x.ret, jwt, { scriptNonce });
      request.log.info(
        { course_id: picked.courseId, items: [...chosen], issuer: x.iss },
        'lti deep linking response sent',
      );
      return reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .header('content-security-policy', `default-src 'none'; script-src 'nonce-${scriptNonce}'; base-uri 'none'`)
        .type('text/html; charset=utf-8')
        .send(page);
    } catch (err) {
      return sendLtiError(request, reply, err);
    }
  };
}
