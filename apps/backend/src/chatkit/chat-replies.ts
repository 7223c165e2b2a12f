/**
 * Answers to chat messages in a Class Assist thread. With a model configured the chat agent (chat-agent.ts) answers,
 * streamed as ChatKit assistant-message events; without one — or when the model fails — the intent matcher
 * (chat-intents.ts) picks what the message asks for and runs it the way the widget's buttons do, on the thread's
 * widget, so "quiz me" in the chat starts the same quiz as the Quiz button.
 */
import {
  type Action,
  type AssistantMessageItem,
  CustomStreamError,
  type OutputText,
  type Store,
  type ThreadItem,
  type ThreadItemUpdate,
  type ThreadMetadata,
  type ThreadStreamEvent,
  type UserMessageItem,
} from '@class-assist/chatkit-server';
import type { TimeRange } from '@class-assist/contracts';
import type { Logger } from 'pino';
import { memberActor } from '../access/actor.js';
import type { OpenAISettings } from '../config.js';
import { AppError } from '../errors.js';
import type { WidgetMember } from '../widget/widget-state.js';
import type { ChatAgent, ChatTurn } from './chat-agent.js';
import { hasChatModel, lazyChatAgent } from './chat-agent-loader.js';
import { type ChatIntent, matchIntent } from './chat-intents.js';
import type { ChatContext } from './chatkit.store.js';
import { type ActionContext, runWidgetAction } from './widget-actions.js';
import { isClassAssistItem, type StoredWidgetItem, withUiChanges } from './widget-item.js';

export interface ChatRepliesDeps extends ActionContext {
  store: Store<ChatContext>;
  log: Logger;
  openai: OpenAISettings;
  /** The agent to use instead of the one built from `openai` (tests). */
  agent?: ChatAgent;
}

export interface ChatReplies {
  /** The events answering `message`: widget replacements and assistant messages. */
  reply(thread: ThreadMetadata, message: UserMessageItem, context: ChatContext): AsyncGenerator<ThreadStreamEvent>;
}

const HISTORY_TURNS = 10;
const FALLBACK_NOTE = "_I couldn't reach the AI model just now, so here is the quick answer._\n\n";

const STUDENT_HELP = [
  "I'm Class Assist. You can ask me things like:",
  '- **"I\'m lost on slide 4"** or **"I\'m confused"** — tells your instructor that slide (or the current one) is ' +
    'confusing',
  '- **"Quiz me"** or **"test me on gradient descent"** — a practice quiz in the widget',
  '- **"Explain gradient descent"** or **"what is overfitting?"** — an explanation from the course notes',
  '- **"Show my notes"** or **"notes for slide 3"** — the notes of a slide',
  '',
  "In the widget, **I'm Confused** does the same for the current slide, and **Ask a Question** sends your " +
    'instructor a question (anonymously if you like).',
].join('\n');

const INSTRUCTOR_HELP = [
  "I'm Class Assist. You can ask me things like:",
  '- **"Show the heatmap"** or **"how confused is the class this week?"** — the most confusing slides and any spike',
  '- **"Explain gradient descent"** — the explanation your students get from the course notes',
  '- **"Notes for slide 3"** — the notes of a slide',
  '- **"Quiz me on overfitting"** — the practice quiz your students would get',
  '',
  "The widget's heatmap updates live; **Export CSV**, **Notify** and **Assign Quiz** act on it.",
].join('\n');

/** An assistant message item with `text` (empty content when `text` is undefined: one about to stream). */
export function assistantMessage(
  store: Store<ChatContext>,
  clock: () => Date,
  threadId: string,
  context: ChatContext,
  text?: string,
): AssistantMessageItem {
  return {
    id: store.generateItemId('message', context),
    thread_id: threadId,
    created_at: clock().toISOString(),
    type: 'assistant_message',
    content: text === undefined ? [] : [outputText(text)],
  };
}

export function createChatReplies(chat: ChatRepliesDeps): ChatReplies {
  const { store, log } = chat;
  const agent = chat.agent ?? (hasChatModel(chat.openai) ? lazyChatAgent(chat) : undefined);
  const say = (threadId: string, context: ChatContext, text: string): ThreadStreamEvent => ({
    type: 'thread.item.done',
    item: assistantMessage(store, chat.deps.clock, threadId, context, text),
  });

  /** The offline answer: the matched intent run as the widget would, then its messages. */
  async function* offline(
    thread: ThreadMetadata,
    text: string,
    context: ChatContext,
    preface = '',
  ): AsyncGenerator<ThreadStreamEvent> {
    const { member } = context;
    const intent = matchIntent(text, member.role);
    const actions = actionsFor(intent);
    const messages: string[] = [];
    const widget = actions.length > 0 ? await latestWidget(store, thread.id, context) : undefined;
    if (widget) {
      let ui = widget.class_assist.ui;
      try {
        for (const action of actions) {
          const outcome = await runWidgetAction(chat, member, ui, action);
          ui = outcome.ui;
          const said = outcome.messages.length > 0 ? outcome.messages : [doneText(action, ui.notice?.text)];
          messages.push(...said.filter(Boolean));
        }
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        messages.push(`Sorry, that did not work: ${err.message}`);
      }
      yield {
        type: 'thread.item.replaced',
        item: await withUiChanges(store, widget, widget.class_assist.ui, ui, context),
      };
    }
    if (intent.kind === 'heatmap') messages.push(await heatmapSummary(chat, member, intent.timeRange));
    if (messages.length === 0) messages.push(member.role === 'instructor' ? INSTRUCTOR_HELP : STUDENT_HELP);
    for (const [i, message] of messages.entries()) yield say(thread.id, context, i === 0 ? preface + message : message);
  }

  /** The model's answer, streamed; throws (after closing any started message) when the model fails. */
  async function* fromModel(
    model: ChatAgent,
    thread: ThreadMetadata,
    message: UserMessageItem,
    context: ChatContext,
  ): AsyncGenerator<ThreadStreamEvent> {
    const history = await recentTurns(store, thread.id, message.id, context);
    let item: AssistantMessageItem | undefined;
    let text = '';
    const finish = function* (final: string): Generator<ThreadStreamEvent> {
      if (!item) return;
      const content = outputText(final);
      yield updated(item, { type: 'assistant_message.content_part.done', content_index: 0, content });
      yield { type: 'thread.item.done', item: { ...item, content: [content] } };
    };
    try {
      for await (const delta of model.stream(context.member, history, messageText(message))) {
        if (delta === '') continue;
        if (!item) {
          item = assistantMessage(store, chat.deps.clock, thread.id, context);
          yield { type: 'thread.item.added', item };
          yield updated(item, {
            type: 'assistant_message.content_part.added',
            content_index: 0,
            content: outputText(''),
          });
        }
        text += delta;
        yield updated(item, { type: 'assistant_message.content_part.text_delta', content_index: 0, delta });
      }
    } catch (err) {
      yield* finish(`${text} …`);
      throw err;
    }
    if (!item) throw new Error('The model gave no answer');
    yield* finish(text);
  }

  return {
    async *reply(thread, message, context) {
      if (agent) {
        try {
          yield* fromModel(agent, thread, message, context);
          return;
        } catch (err) {
          if (err instanceof CustomStreamError) throw err;
          const reason = (err instanceof Error ? err.message : String(err)).slice(0, 300);
          log.warn({ err: { message: reason }, module: 'chat' }, 'chat model failed; answering offline');
          yield* offline(thread, plainText(message), context, FALLBACK_NOTE);
          return;
        }
      }
      yield* offline(thread, plainText(message), context);
    },
  };
}

const outputText = (text: string): OutputText => ({ type: 'output_text', text, annotations: [] });

const updated = (item: AssistantMessageItem, update: ThreadItemUpdate): ThreadStreamEvent => ({
  type: 'thread.item.updated',
  item_id: item.id,
  update,
});

/** The widget actions an intent runs (none for help and the heatmap summary, which reads the registry itself). */
function actionsFor(intent: ChatIntent): Action[] {
  switch (intent.kind) {
    case 'confusion': {
      const ping: Action = { type: 'confusion.ping', payload: intent.slideId ? { slide_id: intent.slideId } : {} };
      return intent.topic ? [ping, { type: 'study.explain', payload: { topic: intent.topic } }] : [ping];
    }
    case 'quiz':
      // generate_quiz accepts only its two named foci (functions/validation.ts): a topic quiz is the default one.
      return [{ type: 'study.quiz', payload: intent.focus ? { focus: intent.focus } : {} }];
    case 'explain':
      return [{ type: 'study.explain', payload: { topic: intent.topic } }];
    case 'notes':
      return [{ type: 'study.notes', payload: intent.slideId ? { slide_id: intent.slideId } : {} }];
    case 'heatmap':
      return [{ type: 'heatmap.refresh', payload: intent.timeRange ? { time_range: intent.timeRange } : {} }];
    case 'help':
      return [];
  }
}

/** What to say when an action answered only in the widget. */
function doneText(action: Action, notice: string | undefined): string {
  if (action.type === 'study.quiz')
    return notice
      ? `Your quiz is in the widget above. ${notice}`
      : 'Your quiz is in the widget above: answer one question at a time.';
  if (action.type === 'heatmap.refresh') return '';
  return notice ?? 'Done.';
}

/** A short Markdown summary of the heatmap: the most confusing slides and any spike. */
async function heatmapSummary(
  chat: ActionContext,
  member: WidgetMember,
  timeRange: TimeRange = 'today',
): Promise<string> {
  const actor = memberActor(member);
  const heatmap = await chat.registry.invoke('get_confusion_heatmap', actor, {
    course_id: member.courseId,
    time_range: timeRange,
  });
  const range = { last_hour: 'in the last hour', today: 'today', this_week: 'this week' }[heatmap.time_range] ?? '';
  const lines = [`**Confusion ${range}** — ${heatmap.active_students} active students.`];
  if (heatmap.spike?.active && heatmap.spike.message) lines.push('', `⚠️ ${heatmap.spike.message}`);
  const top = (heatmap.chartData ?? [])
    .filter((point) => point.confused_students > 0)
    .sort((a, b) => b.confused - a.confused)
    .slice(0, 3);
  if (top.length === 0) lines.push('', `Nobody has reported confusion ${range}.`);
  else {
    lines.push('', 'Most confusing slides:');
    for (const point of top) {
      const students = `${point.confused_students} student${point.confused_students === 1 ? '' : 's'}`;
      lines.push(`- **${point.label}**${point.title ? ` ${point.title}` : ''}: ${point.confused}% (${students})`);
    }
  }
  return lines.join('\n');
}

/** The newest Class Assist widget of the thread. */
async function latestWidget(
  store: Store<ChatContext>,
  threadId: string,
  context: ChatContext,
): Promise<StoredWidgetItem | undefined> {
  const newest = await store.loadThreadItems(threadId, undefined, 100, 'desc', context);
  const found = newest.data.find(isClassAssistItem);
  if (found || !newest.has_more) return found;
  return (await store.loadThreadItems(threadId, undefined, 20, 'asc', context)).data.find(isClassAssistItem);
}

/** The last user and assistant messages before `messageId`, oldest first. */
async function recentTurns(
  store: Store<ChatContext>,
  threadId: string,
  messageId: string,
  context: ChatContext,
): Promise<ChatTurn[]> {
  const page = await store.loadThreadItems(threadId, undefined, 40, 'desc', context);
  const turns: ChatTurn[] = [];
  for (const item of page.data) {
    if (item.id === messageId) continue;
    const turn = toTurn(item);
    if (turn) turns.push(turn);
    if (turns.length === HISTORY_TURNS) break;
  }
  return turns.reverse();
}

function toTurn(item: ThreadItem): ChatTurn | undefined {
  if (item.type === 'user_message') return { role: 'user', text: messageText(item) };
  if (item.type === 'assistant_message') {
    const text = item.content.map((part) => part.text).join('\n');
    return text ? { role: 'assistant', text } : undefined;
  }
  return undefined;
}

const plainText = (message: UserMessageItem) =>
  message.content
    .map((part) => part.text)
    .join(' ')
    .trim();

/** The message as the model reads it: with the text it quotes. */
const messageText = (message: UserMessageItem) =>
  message.quoted_text ? `> ${message.quoted_text}\n\n${plainText(message)}` : plainText(message);
