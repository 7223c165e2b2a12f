/**
 * Validation of a launch's id_token (LTI 1.3 / 1EdTech Security Framework): RS256 only, kid required and resolved
 * through the platform's JWKS, iss, aud and azp, exp/iat with a small clock skew, the nonce the login issued, a known
 * deployment, the required LTI claims, version 1.3.0, a supported message type and a course context. Returns typed
 * claims or throws LtiError naming the first reason found. Nothing here writes anything.
 */
import { decodeProtectedHeader, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { LtiError } from './error-page.js';
import type { PlatformRegistration } from './registrations.js';

export const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
const NRPS_CLAIM = 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice';
const AGS_CLAIM = 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint';
const DEEP_LINKING_CLAIM = 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings';

/** Seconds of clock difference tolerated between platform and tool. */
export const CLOCK_SKEW_SECONDS = 30;

export type MessageType = 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';

export interface LaunchClaims {
  issuer: string;
  clientId: string;
  deploymentId: string;
  messageType: MessageType;
  sub: string;
  nonce: string;
  expiresAt: Date;
  roles: string[];
  targetLinkUri?: string;
  context: { id: string; title?: string; label?: string };
  resourceLink?: { id: string; title?: string };
  name?: string;
  email?: string;
  custom: Record<string, unknown>;
  nrps?: { contextMembershipsUrl: string };
  ags?: { lineitems?: string; lineitem?: string; scope: string[] };
  deepLinking?: Record<string, unknown>;
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value : undefined;
const obj = (value: unknown): Record<string, unknown> | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

export interface IdTokenCheck {
  token: string;
  registration: PlatformRegistration;
  /** The nonce issued at login for this launch's state. */
  expectedNonce: string;
  keys: JWTVerifyGetKey;
  now: Date;
}

export async function validateIdToken({
  token,
  registration,
  expectedNonce,
  keys,
  now,
}: IdTokenCheck): Promise<LaunchClaims> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new LtiError('invalid_jwt', 'The id_token is not a JWT');
  }
  if (header.alg !== 'RS256') {
    throw new LtiError(
      'alg_not_allowed',
      `The id_token must be signed with RS256 (it says ${header.alg ?? 'nothing'})`,
    );
  }
  if (typeof header.kid !== 'string' || header.kid === '') {
    throw new LtiError('kid_missing', 'The id_token header has no kid: the platform must name its signing key');
  }

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      algorithms: ['RS256'],
      currentDate: now,
      clockTolerance: CLOCK_SKEW_SECONDS,
    }));
  } catch (err) {
    throw verificationError(err, header.kid);
  }

  if (payload.iss !== registration.issuer) {
    throw new LtiError(
      'invalid_issuer',
      `The id_token's iss is ${payload.iss ? `"${payload.iss}"` : 'missing'}, not the registered issuer`,
    );
  }
  const audiences = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
  if (!audiences.includes(registration.client_id)) {
    throw new LtiError('invalid_audience', "The id_token's aud does not contain this tool's client_id");
  }
  if (payload.azp !== undefined ? payload.azp !== registration.client_id : audiences.length > 1) {
    throw new LtiError('invalid_azp', "The id_token's azp must be this tool's client_id");
  }
  const nowSeconds = now.getTime() / 1000;
  if (typeof payload.exp !== 'number') throw new LtiError('missing_claims', 'The id_token has no exp');
  if (typeof payload.iat !== 'number') throw new LtiError('missing_claims', 'The id_token has no iat');
  if (payload.iat > nowSeconds + CLOCK_SKEW_SECONDS) {
    throw new LtiError('token_not_yet_valid', 'The id_token was issued in the future (iat): check the platform clock');
  }
  const nonce = str(payload.nonce);
  if (!nonce) throw new LtiError('nonce_missing', 'The id_token has no nonce');
  if (nonce !== expectedNonce) {
    throw new LtiError('nonce_mismatch', 'The id_token nonce is not the one issued for this launch');
  }

  const claims = payload as Record<string, unknown>;
  const messageType = claims[`${LTI}message_type`];
  const context = obj(claims[`${LTI}context`]);
  const resourceLink = obj(claims[`${LTI}resource_link`]);
  const missing: string[] = [];
  if (!str(payload.sub)) missing.push('sub');
  for (const name of ['message_type', 'version', 'deployment_id']) {
    if (!str(claims[`${LTI}${name}`])) missing.push(name);
  }
  // Deep linking requests (the certification payload among them) may omit target_link_uri.
  if (messageType === 'LtiResourceLinkRequest' && !str(claims[`${LTI}target_link_uri`]))
    missing.push('target_link_uri');
  if (!Array.isArray(claims[`${LTI}roles`])) missing.push('roles');
  if (messageType === 'LtiResourceLinkRequest' && !str(resourceLink?.id)) missing.push('resource_link.id');
  if (messageType === 'LtiDeepLinkingRequest' && !obj(claims[DEEP_LINKING_CLAIM]))
    missing.push('deep_linking_settings');
  if (missing.length > 0) {
    throw new LtiError('missing_claims', `The id_token lacks required LTI claims: ${missing.join(', ')}`);
  }
  if (claims[`${LTI}version`] !== '1.3.0') {
    throw new LtiError('invalid_version', `The LTI version must be 1.3.0 (it is "${String(claims[`${LTI}version`])}")`);
  }
  if (messageType !== 'LtiResourceLinkRequest' && messageType !== 'LtiDeepLinkingRequest') {
    throw new LtiError('invalid_message_type', `Unsupported LTI message type "${String(messageType)}"`);
  }
  const deploymentId = claims[`${LTI}deployment_id`] as string;
  if (!registration.deployment_ids.includes(deploymentId)) {
    throw new LtiError('unknown_deployment', `The deployment "${deploymentId}" is not registered for this platform`);
  }
  const contextId = str(context?.id);
  if (!context || !contextId) {
    throw new LtiError('no_course_context', 'The launch has no course context: open Class Assist from within a course');
  }

  const nrps = obj(claims[NRPS_CLAIM]);
  const ags = obj(claims[AGS_CLAIM]);
  const roles = (claims[`${LTI}roles`] as unknown[]).filter((role): role is string => typeof role === 'string');
  const given = [str(payload.given_name), str(payload.family_name)].filter(Boolean).join(' ');
  return {
    issuer: registration.issuer,
    clientId: registration.client_id,
    deploymentId,
    messageType,
    sub: payload.sub as string,
    nonce,
    expiresAt: new Date((payload.exp as number) * 1000),
    roles,
    targetLinkUri: str(claims[`${LTI}target_link_uri`]),
    context: { id: contextId, title: str(context.title), label: str(context.label) },
    resourceLink:
      resourceLink && str(resourceLink.id)
        ? { id: resourceLink.id as string, title: str(resourceLink.title) }
        : undefined,
    name: str(payload.name) ?? (given || undefined),
    email: str(payload.email),
    custom: obj(claims[`${LTI}custom`]) ?? {},
    nrps: str(nrps?.context_memberships_url)
      ? { contextMembershipsUrl: nrps?.context_memberships_url as string }
      : undefined,
    ags: ags
      ? {
          lineitems: str(ags.lineitems),
          lineitem: str(ags.lineitem),
          scope: Array.isArray(ags.scope) ? ags.scope.filter((s): s is string => typeof s === 'string') : [],
        }
      : undefined,
    deepLinking: obj(claims[DEEP_LINKING_CLAIM]),
  };
}

function verificationError(err: unknown, kid: string): LtiError {
  if (err instanceof errors.JWKSNoMatchingKey) {
    return new LtiError('unknown_kid', `The platform's key set has no key "${kid}"`);
  }
  if (err instanceof errors.JWTExpired) return new LtiError('token_expired', 'The id_token has expired (exp)');
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new LtiError('invalid_signature', 'The id_token signature does not verify with the platform key');
  }
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || err instanceof TypeError) {
    return new LtiError('platform_unavailable', "The platform's key set (JWKS) could not be fetched", 502);
  }
  if (err instanceof errors.JOSEAlgNotAllowed)
    return new LtiError('alg_not_allowed', 'The id_token must be signed with RS256');
  if (err instanceof errors.JWTClaimValidationFailed) {
    return new LtiError(
      err.claim === 'nbf' ? 'token_not_yet_valid' : 'invalid_jwt',
      `The id_token claim ${err.claim} is invalid`,
    );
  }
  return new LtiError('invalid_jwt', 'The id_token is not a valid signed JWT');
}
