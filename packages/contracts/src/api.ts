/** Shapes of Class Assist's own HTTP endpoints used by the page (besides the ChatKit protocol at POST /chatkit). */
import type { ClassAssistWidgetState, WidgetView } from './widget.js';

/** `GET /api/session`: who the browser's session is. */
export interface SessionInfo {
  userId: string;
  courseId: string;
  courseName: string;
  role: WidgetView;
}

/** `POST /api/chatkit/session` answer. */
export interface ChatKitSessionResponse {
  /** Bearer token for POST /chatkit and GET /api/live (short-lived, signed; carries user, course and role). */
  client_secret: string;
  /** ISO 8601. */
  expires_at: string;
  widget_state: ClassAssistWidgetState;
  /** Present when a hosted ChatKit workflow is configured (CHATKIT_WORKFLOW_ID + OPENAI_API_KEY). */
  hosted?: { client_secret: string; expires_at: string };
  /** Present when CHATKIT_DOMAIN_KEY is set: the page mounts the real ChatKit element pointed at /chatkit. */
  chatkit?: { url: string; domain_key: string };
}

/** Events on `GET /api/live` (server-sent events, `data: <json>`). */
export type LiveEvent =
  | { type: 'hello'; course_id: string }
  /** Something in the course changed: refresh the widget item (ChatKit `fetchUpdates()` / `threads.get_by_id`). */
  | { type: 'course.changed'; course_id: string; reason: 'confusion' | 'question' | 'slide' | 'material' }
  | { type: 'ping' };
