/**
 * Which widget actions the page repeats when they fail on the way (a dropped connection, a server restarting or
 * waiting for its database), how often, and what the student is told when they still fail. Only actions that are safe
 * to repeat: a confusion ping is stored once per student and slide within the dedupe window, a question once per
 * request id (its idempotency key).
 */
import { ChatKitError } from './client';

export const RETRIED_ACTIONS: ReadonlySet<string> = new Set(['confusion.ping', 'question.submit']);

/** Pauses before the 2nd, 3rd and 4th attempt. */
export const RETRY_DELAYS_MS: readonly number[] = [500, 1_000, 2_000];

export const NOT_RECORDED = "Couldn't record that — check your connection and press again.";

const RETRIED_STATUSES = new Set([0, 502, 503, 504]);

/** A failure worth another attempt: no answer at all, a gateway or an unavailable server, or a stream cut off. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ChatKitError) return RETRIED_STATUSES.has(error.status);
  // fetch and a stream's reader reject with a TypeError when the connection drops.
  return error instanceof TypeError;
}

/** The payload sent for every attempt of one press: a question carries a request id, its idempotency key. */
export function withRequestId(type: string, payload: Record<string, unknown>): Record<string, unknown> {
  if (type !== 'question.submit' || typeof payload.request_id === 'string') return payload;
  return { ...payload, request_id: randomId() };
}

function randomId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // randomUUID needs a secure context; a page served over plain HTTP on a LAN address has getRandomValues still.
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
