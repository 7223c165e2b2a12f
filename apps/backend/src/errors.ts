/**
 * The one error type of Class Assist and the one table that maps its codes to HTTP statuses. Transports translate
 * AppError into their own shape (HTTP JSON body, MCP error result); anything else is an internal error, logged with
 * its request id and never shown to the caller.
 */

export type ErrorCode =
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unknown_function'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'internal'
  | 'not_implemented'
  | 'bad_gateway'
  | 'unavailable';

export const ERROR_STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unknown_function: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  not_implemented: 501,
  bad_gateway: 502,
  unavailable: 503,
};

/** One problem with an input, named by its path (`slide_id`, `topics[2]`; empty for the body itself). */
export interface ErrorDetail {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;
  /** Seconds a client should wait before retrying (503, 429). */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: { details?: ErrorDetail[]; retryAfter?: number } = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  /** The JSON body every transport sends for this error. */
  toJSON(): { error: ErrorCode; message: string; details?: ErrorDetail[] } {
    return this.details
      ? { error: this.code, message: this.message, details: this.details }
      : { error: this.code, message: this.message };
  }
}

export function validationError(details: ErrorDetail[], subject = 'the request'): AppError {
  const summary = details.map((d) => (d.path ? `${d.path} ${d.message}` : d.message)).join('; ');
  return new AppError('validation_failed', `Invalid ${subject}: ${summary}`, { details });
}

// SQLSTATE classes that mean "the database cannot be reached or is going away", not "the query is wrong".
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-4])/;
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * The one place that reads PostgreSQL and driver errors: an unreachable or restarting database becomes a 503 with
 * Retry-After; anything else is returned unchanged (and ends up as an internal error).
 */
export function fromDatabaseError(err: unknown): unknown {
  if (err instanceof AppError || !(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  const unavailable =
    (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_NODE_CODES.has(code))) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      err.message,
    );
  return unavailable
    ? new AppError('unavailable', 'The database is unavailable; retry shortly', { retryAfter: 5 })
    : err;
}
