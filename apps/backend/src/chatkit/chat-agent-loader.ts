/**
 * The chat agent, loaded at its first answer: `@openai/agents` (with the OpenAI SDK) costs tens of megabytes and about
 * half a second to import, and only a configured model needs it.
 */
import type { OpenAISettings } from '../config.js';
import type { ChatAgent, ChatAgentDeps } from './chat-agent.js';

/** True when a model is configured (an API key or a base URL). */
export function hasChatModel(openai: OpenAISettings): boolean {
  return Boolean(openai.apiKey || openai.baseUrl);
}

/** A ChatAgent that imports and builds the real one (chat-agent.ts) on its first `stream`. */
export function lazyChatAgent(deps: ChatAgentDeps): ChatAgent {
  let agent: Promise<ChatAgent> | undefined;
  return {
    async *stream(member, history, message) {
      agent ??= import('./chat-agent.js').then(({ createChatAgent }) => createChatAgent(deps));
      yield* (await agent).stream(member, history, message);
    },
  };
}
