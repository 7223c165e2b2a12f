/**
 * The contract shared by the Class Assist backend and frontend: the nine function definitions exactly as the
 * specification writes them, their argument and result types, and the widget state.
 */
import definitions from './function-definitions.json' with { type: 'json' };

export const FUNCTION_NAMES = [
  'track_confusion',
  'submit_question',
  'generate_quiz',
  'explain_topic',
  'fetch_notes',
  'get_confusion_heatmap',
  'export_confusion_data',
  'notify_students_via_lms',
  'assign_remedial_quiz',
] as const;

export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** A JSON Schema object as the specification writes it (draft 2020-12 subset). */
export interface JsonSchema {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  required?: string[];
  enum?: readonly string[];
  [keyword: string]: unknown;
}

/** One function definition: name, description and parameter schema, verbatim from the specification. */
export interface FunctionDefinition {
  name: FunctionName;
  description: string;
  parameters: JsonSchema & { type: 'object'; properties: Record<string, JsonSchema>; required: string[] };
}

/** The nine definitions in the specification's order. */
export const FUNCTION_DEFINITIONS: readonly FunctionDefinition[] = Object.freeze(
  definitions.functions as unknown as FunctionDefinition[],
);

export function isFunctionName(name: string): name is FunctionName {
  return (FUNCTION_NAMES as readonly string[]).includes(name);
}

export const TIME_RANGES = ['last_hour', 'today', 'this_week'] as const;
export type TimeRange = (typeof TIME_RANGES)[number];

/** Arguments of each function, as the parameter schemas define them. */
export interface FunctionArgs {
  track_confusion: { user_id: string; course_id: string; slide_id?: string; timestamp?: string };
  submit_question: { user_id: string; course_id: string; question_body: string; anonymous?: boolean };
  generate_quiz: { user_id: string; course_id: string; focus?: string };
  explain_topic: { user_id: string; course_id: string; topic: string };
  fetch_notes: { user_id: string; course_id: string; slide_id?: string };
  get_confusion_heatmap: { course_id: string; time_range?: TimeRange; limit?: number; cursor?: string };
  export_confusion_data: { course_id: string; format?: 'csv' | 'json' };
  notify_students_via_lms: {
    course_id: string;
    recipient_filter: 'confused_students' | 'all_students' | 'struggling_students';
    message: string;
  };
  assign_remedial_quiz: { course_id: string; quiz_type: 'remedial' | 'practice' | 'assessment'; topics?: string[] };
}

export interface TrackConfusionResult {
  success: true;
  threshold_exceeded: boolean;
  current_percentage: number;
  confused_students: number;
  active_students: number;
  duplicate: boolean;
}

export interface SubmitQuestionResult {
  success: true;
  message: 'Question submitted successfully';
  question_id: string;
}

export interface NoteEntry {
  slide_id: string;
  title: string;
  body: string;
}

export interface FetchNotesResult {
  notes: NoteEntry[];
  message?: string;
}

export interface Spike {
  active: boolean;
  message: string;
}

export interface HeatmapPoint {
  label: string;
  slide_id: string;
  title: string;
  confused: number;
  confused_students: number;
}

export interface HeatmapResult {
  course_id: string;
  time_range: TimeRange;
  since: string;
  active_students: number;
  chartData: HeatmapPoint[];
  spike: Spike;
  next_cursor: string | null;
}

/** Columns of an export, in order. */
export const EXPORT_COLUMNS = ['event_id', 'course_id', 'slide_id', 'user_id', 'timestamp'] as const;

export * from './api.js';
export * from './widget.js';
