/**
 * The offline chat's intent matcher: common requests map to the function the widget would run, with the slide, topic
 * or time range they name; ambiguous requests resolve as documented; students never reach instructor intents.
 */
import { describe, expect, it } from 'vitest';
import { type ChatIntent, cleanTopic, matchIntent, slideIn } from '../src/chatkit/chat-intents.js';

const student = (text: string) => matchIntent(text, 'student');
const instructor = (text: string) => matchIntent(text, 'instructor');

describe('matchIntent', () => {
  it.each<[string, ChatIntent]>([
    ["I'm lost on slide 4", { kind: 'confusion', slideId: 'slide-4' }],
    ["I'm confused", { kind: 'confusion' }],
    ['lost', { kind: 'confusion' }],
    ['so lost on slide four', { kind: 'confusion', slideId: 'slide-4' }],
    ['I am totally confused on slide-7', { kind: 'confusion', slideId: 'slide-7' }],
    ["I don't understand this slide", { kind: 'confusion' }],
    ['this slide is confusing', { kind: 'confusion' }],
    ['I’m confused about gradient descent', { kind: 'confusion', topic: 'gradient descent' }],
    ["I'm confused, can you explain gradient descent?", { kind: 'confusion', topic: 'gradient descent' }],
  ])('a student saying %j pings confusion', (text, intent) => {
    expect(student(text)).toStrictEqual(intent);
  });

  it.each<[string, ChatIntent]>([
    ['quiz me', { kind: 'quiz' }],
    ['Quiz me please!', { kind: 'quiz' }],
    ['test me on gradient descent', { kind: 'quiz', focus: 'gradient descent' }],
    ['Give me a quiz on overfitting', { kind: 'quiz', focus: 'overfitting' }],
    ['can I get a practice quiz about the learning rate?', { kind: 'quiz', focus: 'learning rate' }],
    ['quiz me on what we just covered', { kind: 'quiz', focus: 'recent-topics' }],
    ['quiz me on what I was confused about', { kind: 'quiz' }],
    ['practice questions on regularization', { kind: 'quiz', focus: 'regularization' }],
  ])('%j asks for a quiz', (text, intent) => {
    expect(student(text)).toStrictEqual(intent);
    expect(instructor(text)).toStrictEqual(intent);
  });

  it.each<[string, ChatIntent]>([
    ['explain gradient descent', { kind: 'explain', topic: 'gradient descent' }],
    ['What is overfitting?', { kind: 'explain', topic: 'overfitting' }],
    ["what's the learning rate", { kind: 'explain', topic: 'learning rate' }],
    ['How does gradient descent work?', { kind: 'explain', topic: 'gradient descent' }],
    ['can you explain the bias-variance trade-off to me?', { kind: 'explain', topic: 'bias-variance trade-off' }],
    ['what does regularization mean', { kind: 'explain', topic: 'regularization' }],
    ['notes on regularization', { kind: 'explain', topic: 'regularization' }],
    // A question that is just a topic asks for an explanation.
    ['gradient descent?', { kind: 'explain', topic: 'gradient descent' }],
    ['Overfitting?', { kind: 'explain', topic: 'overfitting' }],
  ])('%j asks for an explanation', (text, intent) => {
    expect(student(text)).toStrictEqual(intent);
  });

  it.each<[string, ChatIntent]>([
    ['show my notes', { kind: 'notes' }],
    ['notes', { kind: 'notes' }],
    ['notes for slide 3', { kind: 'notes', slideId: 'slide-3' }],
    ['slide 3 notes', { kind: 'notes', slideId: 'slide-3' }],
    ["what's on slide 3?", { kind: 'notes', slideId: 'slide-3' }],
    // "Explain slide 3" means that slide's content: its notes.
    ['explain slide 3', { kind: 'notes', slideId: 'slide-3' }],
    ['explain this slide', { kind: 'notes' }],
    ['slide 12', { kind: 'notes', slideId: 'slide-12' }],
  ])('%j asks for notes', (text, intent) => {
    expect(student(text)).toStrictEqual(intent);
  });

  it.each<[string, ChatIntent]>([
    ['show the heatmap', { kind: 'heatmap' }],
    ['heat map please', { kind: 'heatmap' }],
    ['How confused is the class?', { kind: 'heatmap' }],
    ["who's confused", { kind: 'heatmap' }],
    ['which slides are most confusing this week', { kind: 'heatmap', timeRange: 'this_week' }],
    ['show the heatmap for the last hour', { kind: 'heatmap', timeRange: 'last_hour' }],
  ])('an instructor saying %j gets the heatmap summary', (text, intent) => {
    expect(instructor(text)).toStrictEqual(intent);
  });

  it.each([
    'show the heatmap',
    'How confused is the class?',
    'which slides are most confusing this week',
    'export the confusion data',
    'notify the students',
  ])('a student saying %j gets the help text, never an instructor intent', (text) => {
    expect(student(text)).toStrictEqual({ kind: 'help' });
  });

  it.each([
    '',
    'hello',
    'Thanks!',
    'What can you do?',
    'help',
    'tell me a joke about cats and the weather in Paris',
    'I will be late tomorrow because my bus broke down',
    'what now?',
    // Not a question: a single word is not taken for a topic.
    'first',
    'overfitting',
  ])('%j gets the help text', (text) => {
    expect(student(text)).toStrictEqual({ kind: 'help' });
    expect(instructor(text)).toStrictEqual({ kind: 'help' });
  });

  it('does not make instructors confused: their "I\'m confused" is a help request', () => {
    expect(instructor("I'm confused")).toStrictEqual({ kind: 'help' });
  });
});

describe('slideIn', () => {
  it.each([
    ['slide 4', 'slide-4'],
    ['Slide-4'.toLowerCase(), 'slide-4'],
    ['slide #10', 'slide-10'],
    ['slides 2 and 3', 'slide-2'],
    ['slide twelve', 'slide-12'],
    ['no slide here', undefined],
    ['slide 0', undefined],
  ])('%j names %j', (text, id) => {
    expect(slideIn(text)).toBe(id);
  });
});

describe('cleanTopic', () => {
  it.each([
    ['the learning rate?', 'learning rate'],
    ['gradient descent to me please', 'gradient descent'],
    ['overfitting again.', 'overfitting'],
    ['how regularization works', 'regularization'],
  ])('%j → %j', (raw, topic) => {
    expect(cleanTopic(raw)).toBe(topic);
  });
});
