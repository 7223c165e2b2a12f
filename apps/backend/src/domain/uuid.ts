/** Whether `value` is a UUID (ids of quizzes, attempts, interventions): anything else cannot name one, and is "not found". */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
