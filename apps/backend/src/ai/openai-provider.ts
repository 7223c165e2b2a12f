/**
 * The OpenAI-compatible study provider: quizzes and re-explanations written by a model over Chat Completions (what
 * every OpenAI-compatible server implements), with structured outputs (`response_format: json_schema`, strict) and
 * the course notes as the only grounding. Every answer is checked (ai/model-output.ts) before it is used; a refusal,
 * an unusable answer or a failed request throws StudyModelError — ai/study-provider.ts falls back to the offline
 * provider then. One log line per call: model, operation, latency, tokens and outcome (never the key or the notes).
 */
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { Logger } from 'pino';
import type { OpenAISettings } from '../config.js';
import { readExplanation, readQuiz, StudyModelError } from './model-output.js';
import { explainMessages, explainSchema, quizMessages, quizSchema } from './prompts.js';
import type { StudyProvider } from './provider.js';

const OPENAI_URL = 'https://api.openai.com/v1';

type Operation = 'quiz' | 'explain';

/**
 * A StudyProvider over the model of `settings`. Each request may take `timeoutMs` and is retried `maxRetries` times
 * (the SDK's exponential backoff, honouring Retry-After) after a timeout, a lost connection, 408, 409, 429 or 5xx.
 */
export function createOpenAIStudyProvider(settings: OpenAISettings, log: Logger): StudyProvider {
  const client = new OpenAI({
    // A local OpenAI-compatible server may need no key, but the SDK requires one.
    apiKey: settings.apiKey || 'not-needed',
    // Given explicitly so the SDK never reads the environment itself (config.ts is the only reader).
    baseURL: settings.baseUrl || OPENAI_URL,
    organization: null,
    project: null,
    timeout: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    logLevel: 'off',
  });
  const model = settings.model;

  /** Asks the model, then `read`s its JSON answer; one log line with the outcome either way. */
  async function complete<T>(
    operation: Operation,
    messages: ChatCompletionMessageParam[],
    format: { name: string; schema: Record<string, unknown> },
    read: (content: string) => T,
  ): Promise<T> {
    const started = performance.now();
    let usage: { prompt_tokens?: number; completion_tokens?: number } = {};
    const logCall = (outcome: string, why?: string) =>
      log.info(
        { model, operation, latency_ms: Math.round(performance.now() - started), ...usage, outcome, why },
        'study model call',
      );
    try {
      const completion = await client.chat.completions.create({
        model,
        messages,
        response_format: { type: 'json_schema', json_schema: { ...format, strict: true } },
      });
      usage = {
        prompt_tokens: completion.usage?.prompt_tokens,
        completion_tokens: completion.usage?.completion_tokens,
      };
      const choice = completion.choices[0];
      if (choice?.message.refusal)
        throw new StudyModelError('refusal', `The model declined: ${choice.message.refusal}`);
      if (choice?.finish_reason === 'length') {
        throw new StudyModelError('truncated', 'The model ran out of tokens before finishing its answer');
      }
      const result = read(choice?.message.content ?? '');
      logCall('ok');
      return result;
    } catch (error) {
      const failure = error instanceof StudyModelError ? error : requestFailure(error, settings.apiKey);
      logCall(failure.reason, failure.message);
      throw failure;
    }
  }

  return {
    async quiz(input) {
      const ids = [...new Set(input.slides.map((s) => s.id))];
      const quiz = await complete('quiz', quizMessages(input), quizSchema(ids), (c) => readQuiz(c, input));
      return { ...quiz, source: 'openai' };
    },
    async explain(input) {
      const ids = [...new Set(input.passages.map((p) => p.slide_id))];
      const format = explainSchema(ids);
      const result = await complete('explain', explainMessages(input), format, (c) => readExplanation(c, input));
      return { ...result, source: 'openai' };
    },
  };
}

/** A failed request (after the SDK's retries) as a StudyModelError with the reason. */
function requestFailure(error: unknown, apiKey: string): StudyModelError {
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new StudyModelError('timeout', 'The model did not answer in time');
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new StudyModelError('unreachable', `The model server could not be reached: ${error.message}`);
  }
  if (error instanceof OpenAI.APIError) {
    const status = error.status ?? 0;
    const reason = status === 429 ? 'rate_limited' : status >= 500 ? 'server_error' : 'rejected';
    // A 401's message quotes part of the key: keep keys out of the message (it is logged).
    const message = (apiKey ? error.message.replaceAll(apiKey, '[redacted]') : error.message).replace(
      /\bsk-[\w*-]+/g,
      '[redacted]',
    );
    return new StudyModelError(reason, `The model server answered ${status}: ${message}`);
  }
  return new StudyModelError('invalid_output', `The model call failed: ${String(error)}`);
}
