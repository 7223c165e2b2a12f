/**
 * Text PostgreSQL cannot store is refused at the door: a NUL character (text columns reject it) or an unpaired UTF-16
 * surrogate (jsonb rejects it) anywhere in a request's body, query, path parameters or their keys answers 400
 * `validation_failed` naming where, for every route and transport — instead of a database error deep inside.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { UNSTORABLE_CHARACTER } from '../unstorable-text.js';

const UNSTORABLE = UNSTORABLE_CHARACTER;
const MAX_DEPTH = 64;

/** The path of the first unstorable string in `value` (keys included), or undefined. */
export function findUnstorableText(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path || '(body)' : undefined;
  if (!value || typeof value !== 'object' || depth > MAX_DEPTH || Buffer.isBuffer(value)) return undefined;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [key, child] of entries) {
    const at = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    if (UNSTORABLE.test(key)) return at;
    const found = findUnstorableText(child, at, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export function registerTextHygiene(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [
      ['path', request.params],
      ['query', request.query],
      ['body', request.body],
    ] as const) {
      const at = findUnstorableText(value);
      if (at) {
        throw new AppError(
          'validation_failed',
          `The ${part} contains a NUL character or invalid Unicode (at ${at}), which cannot be stored`,
          { details: [{ path: at, message: 'contains a NUL character or an unpaired surrogate' }] },
        );
      }
    }
  });
}
