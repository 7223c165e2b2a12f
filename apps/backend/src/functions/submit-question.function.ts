/** `submit_question`, as the specification defines it. */
import { submitQuestion } from '../domain/questions.service.js';
import { specFunction } from './spec-function.js';

export const submitQuestionFunction = specFunction('submit_question', submitQuestion);
