/**
 * The one error type the LMS clients (Canvas REST, Moodle Web Services) throw. `kind` says what went wrong in
 * terms a caller can act on, and `permanent` whether trying again later could help: a delivery outbox retries
 * only errors that are not permanent. Messages name the LMS and what it said, and never contain the token.
 */

export type LmsErrorKind =
  | 'auth'
  | 'permission'
  | 'not_found'
  | 'invalid'
  | 'rate_limited'
  | 'unavailable'
  | 'protocol';

/** Kinds that retrying cannot fix unless told otherwise (`protocol` defaults to permanent too). */
const PERMANENT_KINDS: ReadonlySet<LmsErrorKind> = new Set(['auth', 'permission', 'not_found', 'invalid', 'protocol']);

export interface LmsErrorOptions {
  /** The HTTP status the LMS answered with, when there was one. */
  status?: number;
  cause?: unknown;
  /** Overrides the default for the kind (e.g. a transient Moodle exception is a `protocol` error worth retrying). */
  permanent?: boolean;
  /** How long the LMS asked us to wait before trying again (from `Retry-After`), when it said. */
  retryAfterMs?: number;
  /** Strings removed from the message wherever they appear (the token, if an LMS echoes it back). */
  redact?: ReadonlyArray<string | undefined>;
}

export class LmsError extends Error {
  readonly kind: LmsErrorKind;
  readonly status?: number;
  /** true: retrying cannot help (bad token, no permission, invalid request, not found). */
  readonly permanent: boolean;
  readonly retryAfterMs?: number;

  constructor(kind: LmsErrorKind, message: string, options: LmsErrorOptions = {}) {
    super(redactSecrets(message, options.redact), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LmsError';
    this.kind = kind;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    this.permanent = options.permanent ?? PERMANENT_KINDS.has(kind);
  }
}

/** `text` with every occurrence of each secret (and its URL-encoded form) replaced by `[redacted]`. */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  for (const secret of secrets) {
    // Very short strings would redact ordinary words; real tokens are long.
    if (!secret || secret.length < 6) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('[redacted]');
  }
  return out;
}
