/**
 * Which study provider the app uses: with OPENAI_API_KEY or OPENAI_BASE_URL set, a model writes quizzes and
 * explanations (ai/openai-provider.ts), falling back to the offline provider whenever the model path fails; else the
 * offline provider alone. A topic the course notes do not cover is answered offline without asking the model, so the
 * answer stays an honest "not in the course material".
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { StudyModelError } from './model-output.js';
import { offlineStudyProvider } from './offline-provider.js';
import type { StudyProvider } from './provider.js';

export const MODEL_UNAVAILABLE_QUIZ = 'The AI model was unavailable, so this quiz was made from the course notes.';
export const MODEL_UNAVAILABLE_EXPLANATION =
  '_The AI model was unavailable, so this explanation was made from the course notes._';

/** The study provider `config` asks for; logs once which one it is. */
export function createStudyProvider(config: Pick<Config, 'openai'>, log: Logger): StudyProvider {
  const { apiKey, baseUrl, model } = config.openai;
  if (!apiKey && !baseUrl) {
    log.info(
      { provider: 'offline' },
      'study help: offline from the course notes (no OPENAI_API_KEY or OPENAI_BASE_URL)',
    );
    return offlineStudyProvider;
  }
  log.info(
    { provider: 'openai', model, base_url: baseUrl || 'https://api.openai.com/v1' },
    'study help: model with offline fallback',
  );
  return withOfflineFallback(lazyOpenAIStudyProvider(config.openai, log), log);
}

/** The model provider (openai-provider.ts), imported at the first request: the OpenAI SDK is large. */
function lazyOpenAIStudyProvider(settings: Config['openai'], log: Logger): StudyProvider {
  let provider: Promise<StudyProvider> | undefined;
  const load = () =>
    (provider ??= import('./openai-provider.js').then(({ createOpenAIStudyProvider }) =>
      createOpenAIStudyProvider(settings, log),
    ));
  return {
    quiz: async (input) => (await load()).quiz(input),
    explain: async (input) => (await load()).explain(input),
  };
}

/**
 * `model`, answering from the offline provider when it throws (logged as a warning with the reason), and saying so:
 * the quiz's shortfall message, or a note under the explanation.
 */
export function withOfflineFallback(model: StudyProvider, log: Logger, offline = offlineStudyProvider): StudyProvider {
  const warn = (operation: string, error: unknown) =>
    log.warn(
      {
        operation,
        reason: error instanceof StudyModelError ? error.reason : 'error',
        why: error instanceof Error ? error.message : String(error),
      },
      'study model unavailable: answered offline from the course notes',
    );
  return {
    async quiz(input) {
      if (input.slides.length === 0 || input.count <= 0) return offline.quiz(input);
      try {
        return await model.quiz(input);
      } catch (error) {
        warn('quiz', error);
        const quiz = await offline.quiz(input);
        return { ...quiz, shortfall: [MODEL_UNAVAILABLE_QUIZ, quiz.shortfall].filter(Boolean).join(' ') };
      }
    },
    async explain(input) {
      if (!input.passages.some((p) => p.rank > 0)) return offline.explain(input);
      try {
        return await model.explain(input);
      } catch (error) {
        warn('explain', error);
        const result = await offline.explain(input);
        return { ...result, explanation: `${result.explanation}\n\n${MODEL_UNAVAILABLE_EXPLANATION}` };
      }
    },
  };
}
