/**
 * Deep linking: the settings of a certification deep linking request, the signed LtiDeepLinkingResponse (exactly
 * the required claims, content items with a line item for quizzes, data echoed) and the auto-posting form.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.js';
import {
  autoPostForm,
  buildDeepLinkingResponse,
  type DeepLinkingSettings,
  readDeepLinkingSettings,
} from '../src/lti/deep-linking.js';
import { FIXTURES } from './helpers/lti-platform.js';
import { createTestSigner, type TestSigner } from './helpers/lti-signer.js';

const FIXTURE = path.join(FIXTURES, 'valid', 'Deep Linking - Send Deep Linking Request Payload', 'payload.json');
const SETTINGS_CLAIM = 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings';
const NOW = new Date('2026-03-10T10:00:00.000Z');

/** The certification payload when the shared fixtures are there, else an equivalent one. */
function requestClaims(): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(FIXTURE, 'utf8'));
  } catch {
    return {
      [SETTINGS_CLAIM]: {
        accept_types: ['link', 'file', 'html', 'ltiResourceLink'],
        accept_media_types: 'image/*,text/html,application/json',
        accept_presentation_document_targets: ['iframe', 'window'],
        accept_multiple: true,
        auto_create: true,
        title: 'Certification Deep Linking',
        text: 'Certification Default Text Description',
        data: '909708',
        deep_link_return_url: 'https://ltiadvantagevalidator.imsglobal.org/ltitool/deeplinkresponse.html',
      },
    };
  }
}

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected an error');
}

let signer: TestSigner;
beforeAll(async () => {
  signer = await createTestSigner('tool-key-dl');
});

describe('readDeepLinkingSettings', () => {
  it('reads the certification request’s settings', () => {
    expect(readDeepLinkingSettings(requestClaims())).toStrictEqual({
      deep_link_return_url: 'https://ltiadvantagevalidator.imsglobal.org/ltitool/deeplinkresponse.html',
      accept_types: ['link', 'file', 'html', 'ltiResourceLink'],
      accept_presentation_document_targets: ['iframe', 'window'],
      accept_multiple: true,
      accept_media_types: 'image/*,text/html,application/json',
      auto_create: true,
      title: 'Certification Deep Linking',
      text: 'Certification Default Text Description',
      data: '909708',
    });
  });

  it('defaults the optional fields', () => {
    expect(
      readDeepLinkingSettings({ [SETTINGS_CLAIM]: { deep_link_return_url: 'https://lms.example/return' } }),
    ).toStrictEqual({
      deep_link_return_url: 'https://lms.example/return',
      accept_types: [],
      accept_presentation_document_targets: [],
      accept_multiple: false,
    });
  });

  it('refuses a missing claim, a missing or non-http return URL and mistyped fields, naming each', () => {
    const missing = thrown(() => readDeepLinkingSettings({}));
    expect(missing.code).toBe('validation_failed');
    expect(missing.details).toStrictEqual([{ path: SETTINGS_CLAIM, message: 'is required' }]);

    for (const url of [undefined, '', 'javascript:alert(1)', 'not a url']) {
      const err = thrown(() => readDeepLinkingSettings({ [SETTINGS_CLAIM]: { deep_link_return_url: url } }));
      expect(err.details).toStrictEqual([
        { path: 'deep_link_return_url', message: 'is required and must be an http(s) URL' },
      ]);
    }
    const mistyped = thrown(() =>
      readDeepLinkingSettings({
        [SETTINGS_CLAIM]: {
          deep_link_return_url: 'https://lms.example/return',
          accept_types: 'ltiResourceLink',
          accept_multiple: 'yes',
          data: 42,
        },
      }),
    );
    expect(mistyped.details?.map((d) => d.path)).toStrictEqual(['accept_types', 'accept_multiple', 'data']);
    expect(mistyped.message).toMatch(/^Invalid deep linking settings: accept_types must be an array of strings/);
  });
});

describe('buildDeepLinkingResponse', () => {
  const base = {
    clientId: 'imstester_3dfad6d',
    platformIssuer: 'https://ltiadvantagevalidator.imsglobal.org',
    deploymentId: 'testdeploy',
    clock: () => NOW,
  };

  it('signs exactly the required claims, with a line item for the quiz and the data echoed', async () => {
    const settings = readDeepLinkingSettings(requestClaims());
    const jwt = await buildDeepLinkingResponse({
      ...base,
      signer,
      nonce: 'nonce-1',
      data: settings.data,
      settings,
      items: [
        {
          type: 'ltiResourceLink',
          url: 'https://class-assist.example/lti/launch',
          title: 'Class Assist',
          text: 'Live confusion tracking',
          custom: { course_id: '$Canvas.course.id' },
        },
        {
          type: 'ltiResourceLink',
          url: 'https://class-assist.example/lti/launch?quiz=42',
          title: 'Remedial quiz',
          lineItem: { scoreMaximum: 10, label: 'Remedial quiz', resourceId: 'quiz-42', tag: 'class-assist-quiz' },
        },
      ],
    });
    expect(decodeProtectedHeader(jwt)).toStrictEqual({ alg: 'RS256', kid: 'tool-key-dl', typ: 'JWT' });
    const { payload } = await jwtVerify(jwt, signer.publicKey, {
      algorithms: ['RS256'],
      issuer: base.clientId,
      audience: base.platformIssuer,
      currentDate: NOW,
    });
    const iat = NOW.getTime() / 1000;
    expect(payload).toStrictEqual({
      iss: 'imstester_3dfad6d',
      aud: 'https://ltiadvantagevalidator.imsglobal.org',
      iat,
      exp: iat + 300,
      nonce: 'nonce-1',
      'https://purl.imsglobal.org/spec/lti/claim/message_type': 'LtiDeepLinkingResponse',
      'https://purl.imsglobal.org/spec/lti/claim/version': '1.3.0',
      'https://purl.imsglobal.org/spec/lti/claim/deployment_id': 'testdeploy',
      'https://purl.imsglobal.org/spec/lti-dl/claim/content_items': [
        {
          type: 'ltiResourceLink',
          url: 'https://class-assist.example/lti/launch',
          title: 'Class Assist',
          text: 'Live confusion tracking',
          custom: { course_id: '$Canvas.course.id' },
        },
        {
          type: 'ltiResourceLink',
          url: 'https://class-assist.example/lti/launch?quiz=42',
          title: 'Remedial quiz',
          lineItem: { scoreMaximum: 10, label: 'Remedial quiz', resourceId: 'quiz-42', tag: 'class-assist-quiz' },
        },
      ],
      'https://purl.imsglobal.org/spec/lti-dl/claim/data': '909708',
    });
  });

  it('draws a fresh nonce when none is given, and adds msg only when given', async () => {
    const items = [
      { type: 'ltiResourceLink' as const, url: 'https://class-assist.example/lti/launch', title: 'Class Assist' },
    ];
    const read = async (jwt: string) => (await jwtVerify(jwt, signer.publicKey, { currentDate: NOW })).payload;
    const a = await read(await buildDeepLinkingResponse({ ...base, signer, items }));
    const b = await read(await buildDeepLinkingResponse({ ...base, signer, items, msg: 'Added Class Assist' }));
    expect(a.nonce).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.nonce).not.toBe(a.nonce);
    expect(a).not.toHaveProperty(['https://purl.imsglobal.org/spec/lti-dl/claim/data']);
    expect(a).not.toHaveProperty(['https://purl.imsglobal.org/spec/lti-dl/claim/msg']);
    expect(b['https://purl.imsglobal.org/spec/lti-dl/claim/msg']).toBe('Added Class Assist');
  });

  it('refuses invalid items and items the platform does not accept', async () => {
    const invalid = await buildDeepLinkingResponse({
      ...base,
      signer,
      items: [
        {
          type: 'ltiResourceLink',
          url: 'ftp://x',
          title: '',
          lineItem: { scoreMaximum: 0, label: 'Quiz' },
        },
      ],
    }).catch((e: unknown) => e as AppError);
    expect(invalid).toBeInstanceOf(AppError);
    expect((invalid as AppError).details?.map((d) => d.path)).toStrictEqual([
      'items[0].url',
      'items[0].title',
      'items[0].lineItem.scoreMaximum',
    ]);

    const item = { type: 'ltiResourceLink' as const, url: 'https://class-assist.example/a', title: 'A' };
    const single: DeepLinkingSettings = {
      deep_link_return_url: 'https://lms.example/return',
      accept_types: ['ltiResourceLink'],
      accept_presentation_document_targets: [],
      accept_multiple: false,
    };
    await expect(buildDeepLinkingResponse({ ...base, signer, settings: single, items: [item, item] })).rejects.toThrow(
      'The platform accepts only one content item from this deep link',
    );
    await expect(
      buildDeepLinkingResponse({ ...base, signer, settings: { ...single, accept_types: ['link'] }, items: [item] }),
    ).rejects.toThrow('The platform does not accept LTI resource links from this deep link');
  });
});

describe('autoPostForm', () => {
  it('posts the JWT as field JWT to the return URL, escaped, with a noscript button', () => {
    const html = autoPostForm('https://lms.example/return?a=1&b="2"', 'eyJ.payload.sig"><script>', {
      scriptNonce: 'n"1',
    });
    expect(html).toContain(
      '<form id="lti-deep-linking-response" method="post" action="https://lms.example/return?a=1&#38;b=&#34;2&#34;">',
    );
    expect(html).toContain('<input type="hidden" name="JWT" value="eyJ.payload.sig&#34;&#62;&#60;script&#62;">');
    expect(html).toContain('<noscript><button type="submit">');
    expect(html).toContain(
      '<script nonce="n&#34;1">document.getElementById(\'lti-deep-linking-response\').submit();</script>',
    );
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it('refuses a return URL that is not http(s)', () => {
    expect(thrown(() => autoPostForm('javascript:alert(1)', 'x')).code).toBe('validation_failed');
  });
});
