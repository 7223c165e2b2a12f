/**
 * Scripted replies for the fake OpenAI server (fake-openai.ts) and how each is put on the wire: a Chat Completions
 * or Responses reply becomes the API's JSON object, or its server-sent events when the request asked for
 * `stream: true`. Shapes follow the `openai` SDK's types (resources/chat/completions, resources/responses).
 */
import { randomBytes } from 'node:crypto';

/** Token counts reported by a reply (defaults: 12 prompt, 34 completion). */
export interface FakeUsage {
  prompt: number;
  completion: number;
}

interface ReplyBase {
  /** Wait this long before answering (to trigger client timeouts). */
  delayMs?: number;
}

/** An exact HTTP answer, e.g. `{status: 429, body: openAIError('Slow down', 'rate_limit_exceeded')}`. */
export interface RawReply extends ReplyBase {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** One function call the model makes. */
export interface FakeToolCall {
  name: string;
  /** JSON text, as the API sends it. */
  arguments: string;
  callId: string;
}

/** A Chat Completions answer: text (or a refusal) and/or tool calls. */
export interface ChatReply extends ReplyBase {
  chat: { content: string | null; refusal?: string; toolCalls: FakeToolCall[]; usage: FakeUsage };
}

/** A Responses answer: its output items in order. */
export interface ResponsesReply extends ReplyBase {
  responses: { output: Array<{ text: string } | FakeToolCall>; usage: FakeUsage };
}

export type FakeReply = RawReply | ChatReply | ResponsesReply;

const DEFAULT_USAGE: FakeUsage = { prompt: 12, completion: 34 };
const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

/** OpenAI's error body. */
export function openAIError(message: string, code: string | null = null, type = 'invalid_request_error') {
  return { error: { message, type, param: null, code } };
}

/** A chat completion whose message content is `text`. */
export function chatText(text: string, usage = DEFAULT_USAGE): ChatReply {
  return { chat: { content: text, toolCalls: [], usage } };
}

/** A chat completion whose content is `value` as JSON text (what `response_format: json_schema` yields). */
export function chatJson(value: unknown, usage = DEFAULT_USAGE): ChatReply {
  return chatText(JSON.stringify(value), usage);
}

/** A chat completion in which the model refuses (`message.refusal`, no content). */
export function chatRefusal(refusal: string, usage = DEFAULT_USAGE): ChatReply {
  return { chat: { content: null, refusal, toolCalls: [], usage } };
}

/** A chat completion that calls one function (`finish_reason: 'tool_calls'`). */
export function chatToolCall(name: string, args: unknown, callId = id('call'), usage = DEFAULT_USAGE): ChatReply {
  return { chat: { content: null, toolCalls: [{ name, arguments: JSON.stringify(args), callId }], usage } };
}

/** A response whose only output is an assistant message with `text`. */
export function responsesText(text: string, usage = DEFAULT_USAGE): ResponsesReply {
  return { responses: { output: [{ text }], usage } };
}

/** A response whose only output is a `function_call` item. */
export function responsesToolCall(name: string, args: unknown, callId = id('call'), usage = DEFAULT_USAGE) {
  return responsesOutput([{ name, arguments: JSON.stringify(args), callId }], usage);
}

/** A response with several output items: `{text}` messages and function calls, in order. */
export function responsesOutput(output: ResponsesReply['responses']['output'], usage = DEFAULT_USAGE): ResponsesReply {
  return { responses: { output, usage } };
}

/** What the server writes: a JSON body, or SSE frames (each already `event:`/`data:` text ending in a blank line). */
export type Rendered = ({ status: number; json: unknown } | { status: 200; events: string[] }) & {
  headers?: Record<string, string>;
};

/** Renders a chat reply for a request to POST /v1/chat/completions. */
export function renderChat(reply: ChatReply['chat'], request: Record<string, unknown>): Rendered {
  const base = { id: id('chatcmpl'), created: now(), model: String(request.model ?? 'fake-model') };
  const usage = {
    prompt_tokens: reply.usage.prompt,
    completion_tokens: reply.usage.completion,
    total_tokens: reply.usage.prompt + reply.usage.completion,
  };
  const finishReason = reply.toolCalls.length > 0 ? 'tool_calls' : 'stop';
  const toolCalls = reply.toolCalls.map((call) => ({
    id: call.callId,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }));
  if (request.stream !== true) {
    const message = {
      role: 'assistant',
      content: reply.content,
      refusal: reply.refusal ?? null,
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    };
    const choice = { index: 0, message, finish_reason: finishReason, logprobs: null };
    return { status: 200, json: { ...base, object: 'chat.completion', choices: [choice], usage } };
  }
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    sse({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    });
  const events = [chunk({ role: 'assistant', content: reply.content === null ? null : '', refusal: null })];
  for (const piece of pieces(reply.content ?? '')) events.push(chunk({ content: piece }));
  for (const piece of pieces(reply.refusal ?? '')) events.push(chunk({ refusal: piece }));
  reply.toolCalls.forEach((call, index) => {
    const head = { index, id: call.callId, type: 'function', function: { name: call.name, arguments: '' } };
    events.push(chunk({ tool_calls: [head] }));
    for (const piece of pieces(call.arguments))
      events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  events.push(chunk({}, finishReason));
  const streamOptions = request.stream_options as { include_usage?: boolean } | undefined;
  if (streamOptions?.include_usage) events.push(sse({ ...base, object: 'chat.completion.chunk', choices: [], usage }));
  events.push('data: [DONE]\n\n');
  return { status: 200, events };
}

/** Renders a Responses reply for a request to POST /v1/responses. */
export function renderResponses(reply: ResponsesReply['responses'], request: Record<string, unknown>): Rendered {
  const items = reply.output.map((part) =>
    'text' in part
      ? {
          id: id('msg'),
          type: 'message',
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'output_text', text: part.text, annotations: [], logprobs: [] }],
        }
      : {
          id: id('fc'),
          type: 'function_call',
          status: 'completed',
          call_id: part.callId,
          name: part.name,
          arguments: part.arguments,
        },
  );
  const response = (status: string, output: unknown[], usage: unknown) => ({
    id: responseId,
    object: 'response',
    created_at: createdAt,
    status,
    completed_at: status === 'completed' ? now() : null,
    error: null,
    incomplete_details: null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model: String(request.model ?? 'fake-model'),
    output,
    parallel_tool_calls: true,
    previous_response_id: request.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1,
    text: request.text ?? { format: { type: 'text' } },
    tool_choice: request.tool_choice ?? 'auto',
    tools: request.tools ?? [],
    top_p: 1,
    truncation: 'disabled',
    usage,
    metadata: {},
  });
  const responseId = id('resp');
  const createdAt = now();
  const usage = {
    input_tokens: reply.usage.prompt,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: reply.usage.completion,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: reply.usage.prompt + reply.usage.completion,
  };
  if (request.stream !== true) return { status: 200, json: response('completed', items, usage) };

  let sequence = 0;
  const events: string[] = [];
  const emit = (type: string, fields: Record<string, unknown>) =>
    events.push(sse({ type, sequence_number: sequence++, ...fields }, type));
  emit('response.created', { response: response('in_progress', [], null) });
  emit('response.in_progress', { response: response('in_progress', [], null) });
  items.forEach((item, output_index) => {
    const item_id = item.id;
    if (item.type === 'message') {
      const text = item.content?.[0]?.text ?? '';
      const at = { item_id, output_index, content_index: 0 };
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
      emit('response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [] } });
      for (const delta of pieces(text)) emit('response.output_text.delta', { ...at, delta, logprobs: [] });
      emit('response.output_text.done', { ...at, text, logprobs: [] });
      emit('response.content_part.done', { ...at, part: { type: 'output_text', text, annotations: [] } });
    } else {
      const args = item.arguments ?? '';
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } });
      for (const delta of pieces(args))
        emit('response.function_call_arguments.delta', { item_id, output_index, delta });
      emit('response.function_call_arguments.done', { item_id, output_index, name: item.name, arguments: args });
    }
    emit('response.output_item.done', { output_index, item });
  });
  emit('response.completed', { response: response('completed', items, usage) });
  return { status: 200, events };
}

function sse(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}

/** Splits text into a few deltas, so clients see more than one. */
function pieces(text: string): string[] {
  if (text === '') return [];
  const size = Math.max(1, Math.ceil(text.length / 3));
  const out: string[] = [];
  for (let at = 0; at < text.length; at += size) out.push(text.slice(at, at + size));
  return out;
}
