/** `get_confusion_heatmap`, as the specification defines it. */
import { getHeatmap } from '../domain/heatmap.service.js';
import { specFunction } from './spec-function.js';

export const getConfusionHeatmapFunction = specFunction('get_confusion_heatmap', getHeatmap);
