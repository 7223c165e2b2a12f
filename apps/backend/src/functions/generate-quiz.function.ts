/** `generate_quiz`, as the specification defines it. */
import { generateQuiz } from '../domain/study.service.js';
import { specFunction } from './spec-function.js';

export const generateQuizFunction = specFunction('generate_quiz', generateQuiz);
