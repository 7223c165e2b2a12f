/**
 * LTI Deep Linking 2.0: reading the platform's deep_linking_settings, building the tool's signed
 * LtiDeepLinkingResponse (content items of type ltiResourceLink, with a line item for graded ones), and the small
 * page that form-posts it back to the platform as field `JWT`.
 */
import { randomUUID } from 'node:crypto';
import { AppError, type ErrorDetail, validationError } from '../errors.js';
import { escapeHtml } from '../http/html.js';
import type { ToolSigner } from './services/types.js';

const LTI = 'https://purl.imsglobal.org/spec/lti/claim';
const LTI_DL = 'https://purl.imsglobal.org/spec/lti-dl/claim';

export const DEEP_LINKING_CLAIMS = {
  settings: `${LTI_DL}/deep_linking_settings`,
  contentItems: `${LTI_DL}/content_items`,
  data: `${LTI_DL}/data`,
  msg: `${LTI_DL}/msg`,
  errorMsg: `${LTI_DL}/errormsg`,
  messageType: `${LTI}/message_type`,
  version: `${LTI}/version`,
  deploymentId: `${LTI}/deployment_id`,
} as const;

/** Lifetime of the response JWT (seconds): the platform reads it as soon as the browser posts it. */
const RESPONSE_TTL = 300;

export interface DeepLinkingSettings {
  deep_link_return_url: string;
  accept_types: string[];
  accept_presentation_document_targets: string[];
  accept_multiple: boolean;
  accept_media_types?: string;
  auto_create?: boolean;
  title?: string;
  text?: string;
  /** Opaque value the response must echo. */
  data?: string;
}

export interface DeepLinkLineItem {
  scoreMaximum: number;
  label: string;
  resourceId?: string;
  tag?: string;
}

export interface LtiResourceLinkItem {
  type: 'ltiResourceLink';
  url: string;
  title: string;
  text?: string;
  custom?: Record<string, string>;
  lineItem?: DeepLinkLineItem;
}

export interface DeepLinkingResponseOptions {
  signer: ToolSigner;
  /** The tool's client_id: the response's `iss`. */
  clientId: string;
  /** The platform's issuer: the response's `aud`. */
  platformIssuer: string;
  deploymentId: string;
  /** Fresh random when absent. */
  nonce?: string;
  /** The `data` of the request's settings, echoed. */
  data?: string;
  items: LtiResourceLinkItem[];
  /** A message the platform may show the user. */
  msg?: string;
  /** When given, the items are checked against it (ltiResourceLink accepted, several items allowed). */
  settings?: DeepLinkingSettings;
  clock?: () => Date;
}

/** Reads the request's deep_linking_settings claim; a missing or invalid one is a validation error. */
export function readDeepLinkingSettings(claims: Record<string, unknown>): DeepLinkingSettings {
  const raw = claims[DEEP_LINKING_CLAIMS.settings];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw validationError([{ path: DEEP_LINKING_CLAIMS.settings, message: 'is required' }], 'deep linking request');
  }
  const s = raw as Record<string, unknown>;
  const details: ErrorDetail[] = [];
  const returnUrl = s.deep_link_return_url;
  if (typeof returnUrl !== 'string' || !isHttpUrl(returnUrl)) {
    details.push({ path: 'deep_link_return_url', message: 'is required and must be an http(s) URL' });
  }
  const stringList = (key: string): string[] => {
    const value = s[key];
    if (value === undefined) return [];
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
    details.push({ path: key, message: 'must be an array of strings' });
    return [];
  };
  const optional = <T extends 'string' | 'boolean'>(key: string, type: T) => {
    const value = s[key];
    if (value === undefined || typeof value === type)
      return value as (T extends 'string' ? string : boolean) | undefined;
    details.push({ path: key, message: `must be a ${type}` });
    return undefined;
  };
  const settings: DeepLinkingSettings = {
    deep_link_return_url: typeof returnUrl === 'string' ? returnUrl : '',
    accept_types: stringList('accept_types'),
    accept_presentation_document_targets: stringList('accept_presentation_document_targets'),
    accept_multiple: optional('accept_multiple', 'boolean') ?? false,
  };
  for (const key of ['accept_media_types', 'title', 'text', 'data'] as const) {
    const value = optional(key, 'string');
    if (value !== undefined) settings[key] = value;
  }
  const autoCreate = optional('auto_create', 'boolean');
  if (autoCreate !== undefined) settings.auto_create = autoCreate;
  if (details.length > 0) throw validationError(details, 'deep linking settings');
  return settings;
}

/** The signed LtiDeepLinkingResponse JWT for `items`. */
export async function buildDeepLinkingResponse(options: DeepLinkingResponseOptions): Promise<string> {
  const contentItems = options.items.map((item, i) => contentItem(item, `items[${i}]`));
  if (options.settings) {
    if (!options.settings.accept_types.includes('ltiResourceLink')) {
      throw new AppError('validation_failed', 'The platform does not accept LTI resource links from this deep link');
    }
    if (!options.settings.accept_multiple && contentItems.length > 1) {
      throw new AppError('validation_failed', 'The platform accepts only one content item from this deep link');
    }
  }
  const details: ErrorDetail[] = [];
  for (const key of ['clientId', 'platformIssuer', 'deploymentId'] as const) {
    if (typeof options[key] !== 'string' || !options[key]) details.push({ path: key, message: 'is required' });
  }
  if (details.length > 0) throw validationError(details, 'deep linking response');
  const iat = Math.floor((options.clock ?? (() => new Date()))().getTime() / 1000);
  return options.signer.sign(
    {
      iss: options.clientId,
      aud: options.platformIssuer,
      iat,
      exp: iat + RESPONSE_TTL,
      nonce: options.nonce ?? randomUUID(),
      [DEEP_LINKING_CLAIMS.messageType]: 'LtiDeepLinkingResponse',
      [DEEP_LINKING_CLAIMS.version]: '1.3.0',
      [DEEP_LINKING_CLAIMS.deploymentId]: options.deploymentId,
      [DEEP_LINKING_CLAIMS.contentItems]: contentItems,
      ...(options.data === undefined ? {} : { [DEEP_LINKING_CLAIMS.data]: options.data }),
      ...(options.msg ? { [DEEP_LINKING_CLAIMS.msg]: options.msg } : {}),
    },
    { typ: 'JWT' },
  );
}

/**
 * An HTML page that posts `jwt` as form field `JWT` to the platform's return URL as soon as it loads, with a
 * button for browsers without JavaScript. `scriptNonce` is the CSP nonce of the inline script, if any.
 */
export function autoPostForm(returnUrl: string, jwt: string, options: { scriptNonce?: string } = {}): string {
  if (!isHttpUrl(returnUrl)) {
    throw validationError([{ path: 'deep_link_return_url', message: 'must be an http(s) URL' }], 'deep linking return');
  }
  const nonce = options.scriptNonce ? ` nonce="${escapeHtml(options.scriptNonce)}"` : '';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Returning to your course…</title></head>
<body>
<form id="lti-deep-linking-response" method="post" action="${escapeHtml(returnUrl)}">
<input type="hidden" name="JWT" value="${escapeHtml(jwt)}">
<noscript><button type="submit">Continue to your course</button></noscript>
</form>
<script${nonce}>document.getElementById('lti-deep-linking-response').submit();</script>
</body>
</html>
`;
}

function contentItem(item: LtiResourceLinkItem, path: string): Record<string, unknown> {
  const details: ErrorDetail[] = [];
  if (item.type !== 'ltiResourceLink') details.push({ path: `${path}.type`, message: 'must be ltiResourceLink' });
  if (typeof item.url !== 'string' || !isHttpUrl(item.url)) {
    details.push({ path: `${path}.url`, message: 'must be an http(s) URL' });
  }
  if (typeof item.title !== 'string' || !item.title.trim())
    details.push({ path: `${path}.title`, message: 'is required' });
  if (item.custom && Object.values(item.custom).some((v) => typeof v !== 'string')) {
    details.push({ path: `${path}.custom`, message: 'values must be strings' });
  }
  const lineItem = item.lineItem;
  if (lineItem) {
    if (
      !(
        typeof lineItem.scoreMaximum === 'number' &&
        Number.isFinite(lineItem.scoreMaximum) &&
        lineItem.scoreMaximum > 0
      )
    ) {
      details.push({ path: `${path}.lineItem.scoreMaximum`, message: 'must be a number above 0' });
    }
    if (typeof lineItem.label !== 'string' || !lineItem.label.trim()) {
      details.push({ path: `${path}.lineItem.label`, message: 'is required' });
    }
  }
  if (details.length > 0) throw validationError(details, 'deep linking content item');
  return {
    type: 'ltiResourceLink',
    url: item.url,
    title: item.title,
    ...(item.text ? { text: item.text } : {}),
    ...(item.custom && Object.keys(item.custom).length > 0 ? { custom: item.custom } : {}),
    ...(lineItem
      ? {
          lineItem: {
            scoreMaximum: lineItem.scoreMaximum,
            label: lineItem.label,
            ...(lineItem.resourceId ? { resourceId: lineItem.resourceId } : {}),
            ...(lineItem.tag ? { tag: lineItem.tag } : {}),
          },
        }
      : {}),
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
