/**
 * The chat agent (with a model configured): an `@openai/agents` agent whose tools are the nine functions of the
 * registry the member's role may run, each called as the session's member — the course and the user always come from
 * the session, never from the model. Answers stream as text deltas.
 */
import type { FunctionDefinition, FunctionName } from '@class-assist/contracts';
import {
  Agent,
  type AgentInputItem,
  assistant,
  type JsonSchemaDefinition,
  OpenAIProvider,
  Runner,
  type Tool,
  tool,
  user,
} from '@openai/agents';
import type { Logger } from 'pino';
import { memberActor } from '../access/actor.js';
import type { OpenAISettings } from '../config.js';
import { AppError } from '../errors.js';
import { isExportStream } from '../functions/function.js';
import type { FunctionRegistry } from '../functions/registry.js';
import type { WidgetMember } from '../widget/widget-state.js';

export interface ChatAgentDeps {
  registry: FunctionRegistry;
  log: Logger;
  openai: OpenAISettings;
}

/** One earlier message of the thread. */
export interface ChatTurn {
  role: 'user' | 'assistant';
  text: string;
}

export interface ChatAgent {
  /** Streams the answer to `message` as text deltas; throws when the model fails (network, 5xx, timeout). */
  stream(member: WidgetMember, history: readonly ChatTurn[], message: string): AsyncIterable<string>;
}

/** Functions only instructors may run (DESIGN.md, "Roles"): students' agents never see them. */
export const INSTRUCTOR_FUNCTIONS: readonly FunctionName[] = [
  'get_confusion_heatmap',
  'export_confusion_data',
  'notify_students_via_lms',
  'assign_remedial_quiz',
];

/** Arguments the session supplies: the model neither sees nor sets them. */
const SESSION_FIELDS = ['course_id', 'user_id', 'timestamp'];
const MAX_TURNS = 6;

/** Which OpenAI API to use: Responses at OpenAI, Chat Completions at any other server, unless configured. */
export function useResponsesApi(openai: OpenAISettings): boolean {
  if (openai.api !== 'auto') return openai.api === 'responses';
  return !openai.baseUrl || /^https:\/\/api\.openai\.com(\/|$)/.test(openai.baseUrl);
}

export function createChatAgent({ registry, log, openai }: ChatAgentDeps): ChatAgent {
  const responses = useResponsesApi(openai);
  const runner = new Runner({
    modelProvider: new OpenAIProvider({
      // A local OpenAI-compatible server (OPENAI_BASE_URL only) needs no key, but the client insists on one.
      apiKey: openai.apiKey || 'unused',
      ...(openai.baseUrl ? { baseURL: openai.baseUrl } : {}),
      useResponses: responses,
    }),
    model: openai.model,
    // Students' messages stay here: no traces are exported, and the Responses API does not store them.
    tracingDisabled: true,
    traceIncludeSensitiveData: false,
    ...(responses ? { modelSettings: { store: false } } : {}),
  });
  const agentLog = log.child({ module: 'chat-agent' });

  return {
    async *stream(member, history, message) {
      const agent = new Agent({
        name: 'Class Assist',
        instructions: instructionsFor(member),
        tools: toolsFor(registry, member, agentLog),
      });
      const input: AgentInputItem[] = [
        ...history.map((turn) => (turn.role === 'user' ? user(turn.text) : assistant(turn.text))),
        user(message),
      ];
      const result = await runner.run(agent, input, {
        stream: true,
        maxTurns: MAX_TURNS,
        // The provider's client keeps its own retries; the whole answer gets the time of one request and its retries.
        signal: AbortSignal.timeout(openai.timeoutMs * (openai.maxRetries + 1)),
      });
      for await (const delta of result.toTextStream()) yield delta;
      await result.completed;
      if (result.error) throw result.error;
      if (result.cancelled) throw new Error('The model did not answer in time');
    },
  };
}

/** The tools of a member: the functions their role may run, without the arguments the session supplies. */
export function toolsFor(registry: FunctionRegistry, member: WidgetMember, log: Logger): Tool<unknown>[] {
  const actor = memberActor(member);
  return registry.definitions
    .filter((definition) => member.role === 'instructor' || !INSTRUCTOR_FUNCTIONS.includes(definition.name))
    .map((definition) => {
      const takesUser = 'user_id' in definition.parameters.properties;
      const modelFields = Object.keys(definition.parameters.properties).filter((key) => !SESSION_FIELDS.includes(key));
      return tool({
        name: definition.name,
        description: definition.description,
        parameters: modelSchema(definition),
        strict: false,
        async execute(input) {
          const given = input && typeof input === 'object' ? (input as Record<string, unknown>) : {};
          const args = Object.fromEntries(modelFields.filter((key) => key in given).map((key) => [key, given[key]]));
          try {
            const result = await registry.invokePublic(definition.name, actor, {
              ...args,
              course_id: member.courseId,
              ...(takesUser ? { user_id: member.userId } : {}),
            });
            if (!isExportStream(result)) return JSON.stringify(result);
            // An export is a file: the model gets a short-lived download link instead of the rows.
            await result.close();
            const format = args.format === 'json' ? 'json' : 'csv';
            const link = await registry.invoke('issue_export_link', actor, { course_id: member.courseId, format });
            return JSON.stringify({ download_url: link.url, format, expires_in_minutes: link.minutes });
          } catch (err) {
            if (err instanceof AppError) return JSON.stringify({ error: err.code, message: err.message });
            throw err;
          }
        },
        errorFunction: (_context, err) => {
          log.error({ err, fn: definition.name }, 'chat tool failed');
          return JSON.stringify({ error: 'internal', message: 'The function failed; tell the user to try again.' });
        },
      });
    });
}

/** A tool's parameter schema (strict mode off: the specification's schemas are not strict-mode schemas). */
type ToolSchema = Extract<JsonSchemaDefinition['schema'], { additionalProperties: true }>;

function modelSchema(definition: FunctionDefinition): ToolSchema {
  const { properties, required } = definition.parameters;
  return {
    type: 'object',
    properties: Object.fromEntries(Object.entries(properties).filter(([key]) => !SESSION_FIELDS.includes(key))),
    required: required.filter((key) => !SESSION_FIELDS.includes(key)),
    additionalProperties: true,
  } as ToolSchema;
}

/** What the agent is told: who it talks to, how to teach, and to ground course content in the course's notes. */
export function instructionsFor(member: WidgetMember): string {
  const common = [
    `You are Class Assist, the teaching assistant of the course "${member.courseName}" (course id ${member.courseId}).`,
    `You are talking with ${member.role === 'instructor' ? 'an instructor' : 'a student'} of this course.`,
    'Your tools act for this person in this course only; never ask for a course id or a user id.',
    'Ground every answer about course content in what fetch_notes or explain_topic return, and cite the slide ' +
      '(for example "slide 4: Gradient Descent"). If the notes do not cover something, say so before adding ' +
      'general knowledge.',
    'Answer in short Markdown.',
  ];
  const student = [
    'Teach rather than tell: guide the student step by step, ask a short question to check their understanding, ' +
      'and build on what they already know.',
    'For graded work (assignments, homework, exams, quizzes being taken) explain the concepts and how to approach ' +
      'the problem, but never give the solution or the answer.',
    'When the student says they are lost or confused, record it with track_confusion. When they ask for a quiz, ' +
      'use generate_quiz and ask its questions one at a time without revealing the answers until they have tried.',
    'To pass a question to the instructor, use submit_question (anonymous when they ask for it).',
  ];
  const instructor = [
    'Help the instructor see where the class is confused (get_confusion_heatmap) and act on it.',
    'Before notify_students_via_lms or assign_remedial_quiz, say exactly what would be sent to whom and call the ' +
      'function only after the instructor explicitly confirms.',
  ];
  return [...common, ...(member.role === 'instructor' ? instructor : student)].join('\n');
}
