/** Refused LTI logins and launches: a reason code, a sentence for people, and the page (or JSON) that shows them. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { escapeHtml } from '../http/html.js';

export type LtiReason =
  | 'invalid_request'
  | 'unknown_platform'
  | 'unknown_deployment'
  | 'invalid_target_link_uri'
  | 'state_missing'
  | 'state_mismatch'
  | 'state_expired'
  | 'invalid_jwt'
  | 'alg_not_allowed'
  | 'kid_missing'
  | 'unknown_kid'
  | 'invalid_signature'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'invalid_azp'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'nonce_missing'
  | 'nonce_mismatch'
  | 'nonce_replayed'
  | 'missing_claims'
  | 'invalid_version'
  | 'invalid_message_type'
  | 'no_course_context'
  | 'platform_unavailable'
  | 'service_unavailable'
  | 'launch_failed'
  | 'deep_linking_forbidden'
  | 'deep_linking_unsupported'
  | 'deep_link_invalid';

export class LtiError extends Error {
  readonly reason: LtiReason;
  readonly status: number;

  constructor(reason: LtiReason, message: string, status = 400) {
    super(message);
    this.name = 'LtiError';
    this.reason = reason;
    this.status = status;
  }
}

export function errorPage(error: LtiError): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Class Assist could not open</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1f2933}
code{background:#f1f3f5;padding:.1rem .3rem;border-radius:.2rem}</style></head>
<body><main>
<h1>Class Assist could not open</h1>
<p>${escapeHtml(error.message)}</p>
<p>Reason: <code>${escapeHtml(error.reason)}</code></p>
<p>Open Class Assist again from your course. If this keeps happening, give this reason to your LMS administrator.</p>
</main></body></html>
`;
}

/** Turns any failure into an LtiError: never a 500 for a launch (database outages stay 503). */
export function toLtiError(err: unknown): LtiError {
  if (err instanceof LtiError) return err;
  if (err instanceof AppError) {
    return new LtiError(err.code === 'unavailable' ? 'service_unavailable' : 'launch_failed', err.message, err.status);
  }
  return new LtiError('launch_failed', 'The launch could not be completed', 400);
}

/** Sends the refusal as HTML, or JSON when the client asks for it; logs the reason. Nothing is stored. */
export function sendLtiError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const error = toLtiError(err);
  if (err instanceof LtiError) {
    request.log.warn({ reason: error.reason, detail: error.message }, 'lti request refused');
  } else {
    request.log.error({ err, reason: error.reason }, 'lti request failed');
  }
  if (error.status === 503) reply.header('retry-after', '5');
  const wantsJson = /application\/json/i.test(request.headers.accept ?? '');
  reply.code(error.status).header('cache-control', 'no-store');
  if (wantsJson) {
    return reply
      .type('application/json; charset=utf-8')
      .send({ error: 'lti_refused', reason: error.reason, message: error.message });
  }
  return reply.type('text/html; charset=utf-8').send(errorPage(error));
}
