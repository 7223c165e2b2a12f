/**
 * LTI platform registrations: their shape, validation (each malformed field named) and the LTI_PLATFORMS_FILE loader.
 */
import { readFileSync } from 'node:fs';
import { AppError, validationError } from '../errors.js';
import { compileValidator, ID } from '../functions/validation.js';

export interface PlatformRegistration {
  issuer: string;
  client_id: string;
  auth_login_url: string;
  auth_token_url: string;
  jwks_url: string;
  deployment_ids: string[];
}

const URL_FIELD = { type: 'string', minLength: 1, maxLength: 2000 } as const;
const URL_FIELDS = ['issuer', 'auth_login_url', 'auth_token_url', 'jwks_url'] as const;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '' && !/\s/.test(value);
  } catch {
    return false;
  }
}

const REGISTRATION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['issuer', 'client_id', 'auth_login_url', 'auth_token_url', 'jwks_url', 'deployment_ids'],
  properties: {
    issuer: URL_FIELD,
    client_id: { type: 'string', ...ID },
    auth_login_url: URL_FIELD,
    auth_token_url: URL_FIELD,
    jwks_url: URL_FIELD,
    deployment_ids: { type: 'array', maxItems: 1000, uniqueItems: true, items: { type: 'string', ...ID } },
  },
};

const check = compileValidator<PlatformRegistration>(REGISTRATION_SCHEMA, 'platform registration');

/** Returns the registration typed, or throws AppError('validation_failed') naming each malformed field. */
export function validateRegistration(value: unknown): PlatformRegistration {
  const registration = check(value);
  const badUrls = URL_FIELDS.filter((field) => !isHttpUrl(registration[field]));
  if (badUrls.length > 0) {
    throw validationError(
      badUrls.map((path) => ({ path, message: 'must be an http(s) URL' })),
      'platform registration',
    );
  }
  return {
    issuer: registration.issuer,
    client_id: registration.client_id,
    auth_login_url: registration.auth_login_url,
    auth_token_url: registration.auth_token_url,
    jwks_url: registration.jwks_url,
    deployment_ids: [...registration.deployment_ids],
  };
}

/** Reads LTI_PLATFORMS_FILE: a JSON array of registrations. Throws an Error naming the file, entry and field. */
export function readPlatformsFile(file: string): PlatformRegistration[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`LTI_PLATFORMS_FILE ${file} could not be read as JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new Error(`LTI_PLATFORMS_FILE ${file} must hold a JSON array of registrations`);
  return parsed.map((entry, index) => {
    try {
      return validateRegistration(entry);
    } catch (err) {
      const message = err instanceof AppError ? err.message : String(err);
      throw new Error(`LTI_PLATFORMS_FILE ${file}, entry ${index}: ${message}`);
    }
  });
}
