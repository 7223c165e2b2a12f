/** `notify_students_via_lms`, as the specification defines it. */
import { notifyStudents } from '../domain/intervention.service.js';
import { specFunction } from './spec-function.js';

export const notifyStudentsFunction = specFunction('notify_students_via_lms', notifyStudents);
