/**
 * Internal: what notify_students_via_lms would send, to confirm first. Its arguments are notify_students_via_lms's,
 * checked by the same schema, so a message the confirmation would refuse is refused here.
 */
import { previewNotification } from '../domain/intervention-preview.service.js';
import { defineFunction } from './function.js';
import { enforcedSchema } from './validation.js';

export const previewNotificationFunction = defineFunction({
  name: 'preview_notification',
  schema: enforcedSchema('notify_students_via_lms'),
  run: previewNotification,
});
