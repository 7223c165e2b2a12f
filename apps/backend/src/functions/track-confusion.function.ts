/** `track_confusion`, as the specification defines it. */
import { trackConfusion } from '../domain/confusion.service.js';
import { specFunction } from './spec-function.js';

export const trackConfusionFunction = specFunction('track_confusion', trackConfusion);
