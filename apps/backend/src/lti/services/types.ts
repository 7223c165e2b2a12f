/**
 * The contracts the LTI Advantage service clients share: the tool's signer (provided by the LTI core, which holds
 * the tool's private key), the token client every service call goes through, and the scope URIs of the services.
 */
import type { JWTPayload } from 'jose';

/** Signs JWTs with the tool's current private key (RS256); `kid` names that key in the tool's JWKS. */
export interface ToolSigner {
  kid: string;
  sign(payload: JWTPayload, header?: { typ?: string }): Promise<string>;
}

/** Hands out OAuth 2 access tokens of one platform (client credentials grant), cached per scope set. */
export interface PlatformTokenClient {
  /** An access token granting `scopes`: a cached one while it is valid, else a fresh one from the platform. */
  getToken(scopes: string[]): Promise<string>;
  /** Forgets the cached token of `scopes` (after the platform refused it with a 401). */
  invalidate(scopes: string[]): void;
}

/** What every service client needs besides its own arguments. */
export interface ServiceDeps {
  tokens: PlatformTokenClient;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Milliseconds a platform has to answer one request (default 10 s). */
  timeoutMs?: number;
}

export const NRPS_SCOPE = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly';

export const AGS_SCOPES = {
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineItemReadOnly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  resultReadOnly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
} as const;

export const DEFAULT_TIMEOUT_MS = 10_000;
