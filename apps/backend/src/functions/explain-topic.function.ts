/** `explain_topic`, as the specification defines it. */
import { explainTopic } from '../domain/study.service.js';
import { specFunction } from './spec-function.js';

export const explainTopicFunction = specFunction('explain_topic', explainTopic);
