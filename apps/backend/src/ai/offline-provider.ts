/** The offline study provider: the pure generators of domain/study, no network. */
import { explainOffline } from '../domain/study/offline-explain.js';
import { generateOfflineQuiz } from '../domain/study/offline-quiz.js';
import type { StudyProvider } from './provider.js';

export const offlineStudyProvider: StudyProvider = {
  async quiz(input) {
    return { ...generateOfflineQuiz(input), source: 'offline' };
  },
  async explain(input) {
    return { ...explainOffline(input), source: 'offline' };
  },
};
