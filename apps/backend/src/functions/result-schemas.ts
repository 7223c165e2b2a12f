/** JSON Schemas of the functions' results: the OpenAPI description at /docs, and fast serialisation. */
import type { FunctionName } from '@class-assist/contracts';

const spike = {
  type: 'object',
  required: ['active', 'message'],
  properties: { active: { type: 'boolean' }, message: { type: 'string' } },
} as const;

/** An intervention as the functions answer it and `GET /api/interventions/{id}` shows it. */
export function intervention(what: string) {
  return {
    type: 'object',
    description: `${what} is queued for delivery through the course's LMS; follow it at GET /api/interventions/{intervention_id}`,
    required: [
      'intervention_id',
      'kind',
      'status',
      'lms_kind',
      'recipients',
      'lms',
      'request',
      'created_at',
      'finished_at',
    ],
    properties: {
      intervention_id: { type: 'string', format: 'uuid' },
      kind: { type: 'string', enum: ['notify', 'assign'] },
      status: { type: 'string', enum: ['queued', 'running', 'completed', 'failed'] },
      lms_kind: { type: 'string', enum: ['canvas', 'moodle', 'lti-ags'] },
      recipients: {
        type: 'array',
        items: {
          type: 'object',
          required: ['user_id', 'status'],
          properties: {
            user_id: { type: 'string' },
            status: { type: 'string', enum: ['queued', 'sent', 'failed'] },
            reason: { type: 'string' },
          },
        },
      },
      lms: { type: 'object', additionalProperties: true, description: 'What was created in the LMS' },
      error: { type: 'string', description: 'Why delivery failed' },
      request: {
        type: 'object',
        additionalProperties: true,
        description: 'The message, or the quiz id, type and topics',
      },
      created_at: { type: 'string', format: 'date-time' },
      finished_at: { type: ['string', 'null'], format: 'date-time' },
      message: { type: 'string', description: 'Present when nobody matched' },
    },
  };
}

export const RESULT_SCHEMAS: Partial<Record<FunctionName, object>> = {
  track_confusion: {
    type: 'object',
    required: [
      'success',
      'threshold_exceeded',
      'current_percentage',
      'confused_students',
      'active_students',
      'duplicate',
    ],
    properties: {
      success: { type: 'boolean' },
      threshold_exceeded: { type: 'boolean', description: 'The class is in a confusion spike (see README: Meanings)' },
      current_percentage: {
        type: 'number',
        description: 'Confused students of the spike window as a % of active students',
      },
      confused_students: { type: 'integer', description: 'Distinct students confused within SPIKE_WINDOW_SECONDS' },
      active_students: { type: 'integer', description: 'Distinct students active within ACTIVE_WINDOW_SECONDS' },
      duplicate: { type: 'boolean', description: 'A repeat within CONFUSION_DEDUPE_SECONDS: nothing was stored' },
    },
  },
  submit_question: {
    type: 'object',
    required: ['success', 'message', 'question_id'],
    properties: {
      success: { type: 'boolean' },
      message: { type: 'string' },
      question_id: { type: 'string', format: 'uuid' },
    },
  },
  generate_quiz: {
    type: 'object',
    required: ['quiz_id', 'focus', 'topics', 'questions', 'source'],
    properties: {
      quiz_id: { type: 'string', format: 'uuid', description: 'Export it at GET /api/quizzes/{quiz_id}/export' },
      focus: { type: 'string', description: "The focus used: 'confusion-zones' (default), 'recent-topics' or topics" },
      topics: { type: 'array', items: { type: 'string' }, description: 'Topics of the slides the quiz asks about' },
      questions: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'prompt', 'choices', 'answer_index', 'explanation', 'slide_id'],
          properties: {
            id: { type: 'string' },
            prompt: { type: 'string' },
            choices: { type: 'array', items: { type: 'string' } },
            answer_index: { type: 'integer', description: 'Index of the correct choice' },
            explanation: { type: 'string', description: 'Why the answer is right, citing its slide' },
            slide_id: { type: 'string', description: 'The slide whose notes hold the answer' },
          },
        },
      },
      source: { type: 'string', enum: ['offline', 'openai'], description: 'Which study provider wrote the quiz' },
      message: { type: 'string', description: 'Present when fewer than five questions could be made' },
    },
  },
  explain_topic: {
    type: 'object',
    required: ['topic', 'explanation', 'sources', 'source'],
    properties: {
      topic: { type: 'string' },
      explanation: { type: 'string', description: 'Markdown' },
      sources: {
        type: 'array',
        description: 'The slides the explanation draws on; empty when the topic is not in the course material',
        items: {
          type: 'object',
          required: ['slide_id', 'title'],
          properties: { slide_id: { type: 'string' }, title: { type: 'string' } },
        },
      },
      source: { type: 'string', enum: ['offline', 'openai'], description: 'Which study provider wrote it' },
    },
  },
  fetch_notes: {
    type: 'object',
    required: ['notes'],
    properties: {
      notes: {
        type: 'array',
        items: {
          type: 'object',
          required: ['slide_id', 'title', 'body'],
          properties: {
            slide_id: { type: 'string' },
            title: { type: 'string' },
            body: { type: 'string', description: 'Markdown' },
          },
        },
      },
      message: { type: 'string', description: 'Present when there are no notes to show' },
    },
  },
  get_confusion_heatmap: {
    type: 'object',
    required: ['course_id', 'time_range', 'since', 'active_students', 'chartData', 'spike', 'next_cursor'],
    properties: {
      course_id: { type: 'string' },
      time_range: { type: 'string', enum: ['last_hour', 'today', 'this_week'] },
      since: { type: 'string', format: 'date-time', description: 'Start of the time range' },
      active_students: { type: 'integer', description: 'Students active within the time range' },
      chartData: {
        type: 'array',
        items: {
          type: 'object',
          required: ['label', 'slide_id', 'title', 'confused', 'confused_students'],
          properties: {
            label: { type: 'string' },
            slide_id: { type: 'string' },
            title: { type: 'string' },
            confused: { type: 'number', description: '% of active students confused on this slide' },
            confused_students: { type: 'integer' },
          },
        },
      },
      spike,
      next_cursor: { type: ['string', 'null'], description: 'Pass as cursor for the next page; null on the last page' },
    },
  },
  notify_students_via_lms: intervention('The message'),
  assign_remedial_quiz: intervention('The quiz'),
};
