/** `fetch_notes`, as the specification defines it. */
import { fetchNotes } from '../domain/notes.service.js';
import { specFunction } from './spec-function.js';

export const fetchNotesFunction = specFunction('fetch_notes', fetchNotes);
