/**
 * Parsing of ChatKit requests: `{type, params, metadata?}`. Anything malformed is a ChatKitRequestError(400) naming
 * the field, so a transport never has to guess.
 */
import { ChatKitRequestError } from './errors.js';
import type { Action, JsonObject, UserMessageInput } from './types.js';

export type ChatKitRequest =
  | { type: 'threads.create'; params: { input: UserMessageInput } }
  | { type: 'threads.add_user_message'; params: { thread_id: string; input: UserMessageInput } }
  | { type: 'threads.add_client_tool_output'; params: { thread_id: string; result: unknown } }
  | { type: 'threads.add_structured_input'; params: { thread_id: string; item_id: string; input: JsonObject } }
  | { type: 'threads.retry_after_item'; params: { thread_id: string; item_id: string } }
  | { type: 'threads.custom_action'; params: { thread_id: string; item_id?: string; action: Action } }
  | { type: 'threads.sync_custom_action'; params: { thread_id: string; item_id?: string; action: Action } }
  | { type: 'threads.get_by_id'; params: { thread_id: string } }
  | { type: 'threads.list'; params: ListParams }
  | { type: 'items.list'; params: ListParams & { thread_id: string } }
  | { type: 'threads.update'; params: { thread_id: string; title: string } }
  | { type: 'threads.delete'; params: { thread_id: string } }
  | { type: 'items.feedback'; params: { thread_id: string; item_ids: string[]; kind: 'positive' | 'negative' } }
  | { type: 'attachments.create'; params: { name: string; size: number; mime_type: string } }
  | { type: 'attachments.delete'; params: { attachment_id: string } }
  | { type: 'input.transcribe'; params: { audio_base64: string; mime_type: string } };

export interface ListParams {
  limit?: number;
  order: 'asc' | 'desc';
  after?: string;
}

export const STREAMING_TYPES = new Set([
  'threads.create',
  'threads.add_user_message',
  'threads.add_client_tool_output',
  'threads.add_structured_input',
  'threads.retry_after_item',
  'threads.custom_action',
]);

const MAX_ID = 200;

function fail(message: string): never {
  throw new ChatKitRequestError(400, 'invalid_request', message);
}

function object(value: unknown, where: string): JsonObject {
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail(`${where} must be an object`);
  return value as JsonObject;
}

function id(params: JsonObject, key: string, optional = false): string | undefined {
  const value = params[key];
  if (value === undefined || value === null) {
    if (optional) return undefined;
    fail(`params.${key} is required`);
  }
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID) {
    fail(`params.${key} must be a non-empty string of at most ${MAX_ID} characters`);
  }
  return value;
}

function text(params: JsonObject, key: string, max: number): string {
  const value = params[key];
  if (typeof value !== 'string' || value.length > max)
    fail(`params.${key} must be a string of at most ${max} characters`);
  return value;
}

function input(value: unknown): UserMessageInput {
  const raw = object(value, 'params.input');
  const content = raw.content ?? [];
  if (!Array.isArray(content) || content.length > 50) fail('params.input.content must be an array');
  const parsed = content.map((part, index) => {
    const piece = object(part, `params.input.content[${index}]`);
    if (piece.type === 'input_text' && typeof piece.text === 'string' && piece.text.length <= 20_000) {
      return { type: 'input_text' as const, text: piece.text };
    }
    if (piece.type === 'input_tag' && typeof piece.id === 'string' && typeof piece.text === 'string') {
      return {
        type: 'input_tag' as const,
        id: piece.id,
        text: piece.text,
        data: piece.data && typeof piece.data === 'object' ? (piece.data as JsonObject) : {},
      };
    }
    return fail(`params.input.content[${index}] must be an input_text (text ≤ 20000 characters) or input_tag`);
  });
  const attachments = raw.attachments ?? [];
  if (!Array.isArray(attachments) || attachments.some((a) => typeof a !== 'string')) {
    fail('params.input.attachments must be an array of ids');
  }
  const options = raw.inference_options ?? {};
  object(options, 'params.input.inference_options');
  const quoted = raw.quoted_text;
  if (quoted !== undefined && quoted !== null && (typeof quoted !== 'string' || quoted.length > 20_000)) {
    fail('params.input.quoted_text must be a string');
  }
  return {
    content: parsed,
    attachments: attachments as string[],
    ...(typeof quoted === 'string' ? { quoted_text: quoted } : {}),
    inference_options: options as UserMessageInput['inference_options'],
  };
}

function action(value: unknown): Action {
  const raw = object(value, 'params.action');
  if (typeof raw.type !== 'string' || raw.type.length === 0 || raw.type.length > 100) {
    fail('params.action.type must be a non-empty string');
  }
  return { type: raw.type, payload: raw.payload ?? null };
}

function list(params: JsonObject): ListParams {
  const { limit, order, after } = params;
  if (
    limit !== undefined &&
    limit !== null &&
    (!Number.isInteger(limit) || (limit as number) < 0 || (limit as number) > 1000)
  ) {
    fail('params.limit must be an integer from 0 to 1000');
  }
  if (order !== undefined && order !== null && order !== 'asc' && order !== 'desc')
    fail('params.order must be asc or desc');
  return {
    ...(typeof limit === 'number' && limit > 0 ? { limit } : {}),
    order: (order as 'asc' | 'desc' | undefined) ?? 'desc',
    ...(after !== undefined && after !== null ? { after: id(params, 'after') as string } : {}),
  };
}

/** Parses a request body; throws ChatKitRequestError(400) for anything malformed, (404) for an unknown type. */
export function parseRequest(body: unknown): ChatKitRequest {
  const raw = object(body, 'The request');
  if (typeof raw.type !== 'string') fail('type is required');
  const params = object(raw.params ?? {}, 'params');
  switch (raw.type) {
    case 'threads.create':
      return { type: raw.type, params: { input: input(params.input) } };
    case 'threads.add_user_message':
      return { type: raw.type, params: { thread_id: id(params, 'thread_id') as string, input: input(params.input) } };
    case 'threads.add_client_tool_output':
      return {
        type: raw.type,
        params: { thread_id: id(params, 'thread_id') as string, result: params.result ?? null },
      };
    case 'threads.add_structured_input':
      return {
        type: raw.type,
        params: {
          thread_id: id(params, 'thread_id') as string,
          item_id: id(params, 'item_id') as string,
          input: object(params.input ?? {}, 'params.input'),
        },
      };
    case 'threads.retry_after_item':
      return {
        type: raw.type,
        params: { thread_id: id(params, 'thread_id') as string, item_id: id(params, 'item_id') as string },
      };
    case 'threads.custom_action':
    case 'threads.sync_custom_action': {
      const itemId = id(params, 'item_id', true);
      return {
        type: raw.type,
        params: {
          thread_id: id(params, 'thread_id') as string,
          ...(itemId ? { item_id: itemId } : {}),
          action: action(params.action),
        },
      };
    }
    case 'threads.get_by_id':
    case 'threads.delete':
      return { type: raw.type, params: { thread_id: id(params, 'thread_id') as string } };
    case 'threads.list':
      return { type: raw.type, params: list(params) };
    case 'items.list':
      return { type: raw.type, params: { ...list(params), thread_id: id(params, 'thread_id') as string } };
    case 'threads.update':
      return {
        type: raw.type,
        params: { thread_id: id(params, 'thread_id') as string, title: text(params, 'title', 500) },
      };
    case 'items.feedback': {
      const ids = params.item_ids;
      if (!Array.isArray(ids) || ids.length > 100 || ids.some((v) => typeof v !== 'string'))
        fail('params.item_ids must be an array of ids');
      if (params.kind !== 'positive' && params.kind !== 'negative') fail('params.kind must be positive or negative');
      return {
        type: raw.type,
        params: { thread_id: id(params, 'thread_id') as string, item_ids: ids as string[], kind: params.kind },
      };
    }
    case 'attachments.create':
      if (!Number.isInteger(params.size) || (params.size as number) < 0)
        fail('params.size must be a non-negative integer');
      return {
        type: raw.type,
        params: {
          name: text(params, 'name', 500),
          size: params.size as number,
          mime_type: text(params, 'mime_type', 200),
        },
      };
    case 'attachments.delete':
      return { type: raw.type, params: { attachment_id: id(params, 'attachment_id') as string } };
    case 'input.transcribe':
      return {
        type: raw.type,
        params: { audio_base64: text(params, 'audio_base64', 10_000_000), mime_type: text(params, 'mime_type', 200) },
      };
    default:
      throw new ChatKitRequestError(
        400,
        'unknown_request',
        `Unknown ChatKit request type "${String(raw.type).slice(0, 100)}"`,
      );
  }
}
