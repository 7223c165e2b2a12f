/**
 * Load generators run as separate processes (bench/load/*.worker.ts) so that they never share an event loop with the
 * orchestrator or each other. They talk over Node's IPC channel: the parent sends `start` with a config, the worker
 * answers `ready` (when it has one) and `result`, or `error`.
 */
import path from 'node:path';
import { exitOf, startProcess, stopProcess } from './processes.js';
import { childEnv, ROOT } from './servers.js';

export interface WorkerMessage {
  type: 'ready' | 'result' | 'error';
  data?: unknown;
  message?: string;
}

export interface WorkerHandle {
  pid: number;
  send(message: { type: string; [key: string]: unknown }): void;
  /** The next message of this type (earlier ones are queued); rejects on `error` or when the worker exits first. */
  next<T>(type: 'ready' | 'result', timeoutMs: number): Promise<T>;
  stop(): Promise<void>;
}

/** Starts bench/load/<name>.worker.ts and sends it `config`. */
export function startWorker(name: string, config: unknown): WorkerHandle {
  const script = path.join(ROOT, 'bench', 'load', `${name}.worker.ts`);
  const child = startProcess(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: childEnv({}),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queue: WorkerMessage[] = [];
  const waiters: Array<() => void> = [];
  child.on('message', (message: WorkerMessage) => {
    queue.push(message);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = exitOf(child);
  child.send({ type: 'start', config });
  return {
    pid: child.pid ?? 0,
    send(message) {
      if (child.connected) child.send(message);
    },
    async next<T>(type: 'ready' | 'result', timeoutMs: number): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = queue.findIndex((message) => message.type === type || message.type === 'error');
        if (index >= 0) {
          const [message] = queue.splice(index, 1);
          if (message?.type === 'error') throw new Error(`${name} worker: ${message.message}`);
          return message?.data as T;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`${name} worker: no ${type} within ${timeoutMs} ms`);
        let timer: NodeJS.Timeout | undefined;
        const code = await Promise.race([
          exited.then((exitCode) => ({ exitCode })),
          new Promise<void>((resolve) => {
            waiters.push(resolve);
            timer = setTimeout(resolve, left);
          }),
        ]);
        clearTimeout(timer);
        if (code && queue.length === 0) throw new Error(`${name} worker exited (${code.exitCode}) before ${type}`);
      }
    },
    stop: () => stopProcess(child, 'SIGTERM', 3_000),
  };
}
