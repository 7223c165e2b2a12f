/** The worker's side of bench/lib/workers.ts: receive the config, send `ready`, `result` or `error`. */

/** Wall-clock milliseconds with sub-millisecond precision, comparable between processes on one machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Sends a message to the parent; resolves once it has been handed to the IPC channel. */
export function send(type: 'ready' | 'result' | 'error', payload: { data?: unknown; message?: string } = {}) {
  return new Promise<void>((resolve) => {
    if (!process.send) return resolve();
    process.send({ type, ...payload }, undefined, {}, () => resolve());
  });
}

/** Runs `main` with the config from the parent's `start` message; reports its result or error, then exits. */
export function runWorker<Config>(main: (config: Config) => Promise<unknown>): void {
  process.on('message', (message: { type: string; config?: Config }) => {
    if (message.type !== 'start') return;
    main(message.config as Config)
      .then((data) => send('result', { data }))
      .catch((err: unknown) => send('error', { message: err instanceof Error ? err.message : String(err) }))
      .finally(() => process.exit(0));
  });
  // The parent went away: nothing left to report to.
  process.on('disconnect', () => process.exit(0));
}

/** Resolves on the parent's next message of this type. */
export function nextMessage(type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string }) => {
      if (message.type !== type) return;
      process.off('message', onMessage);
      resolve(message as Record<string, unknown>);
    };
    process.on('message', onMessage);
  });
}

/** A ping body for one of `students` students and `slides` slides of a course, picked at random. */
export function randomPing(spec: PingSpec): string {
  const student = Math.floor(Math.random() * spec.students);
  const slide = Math.floor(Math.random() * spec.slides) + 1;
  return JSON.stringify({
    user_id: `${spec.studentPrefix}${student}`,
    course_id: spec.courseId,
    slide_id: `slide-${slide}`,
  });
}

export interface PingSpec {
  courseId: string;
  studentPrefix: string;
  students: number;
  slides: number;
}
