/** `export_confusion_data`, as the specification defines it. */
import { exportConfusionData } from '../domain/export.service.js';
import { specFunction } from './spec-function.js';

export const exportConfusionDataFunction = specFunction('export_confusion_data', exportConfusionData);
