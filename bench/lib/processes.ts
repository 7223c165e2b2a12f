/**
 * Every process the benchmark starts goes through here: each runs in its own process group, is remembered, and is
 * ended (the whole group: SIGTERM, then SIGKILL) when the benchmark finishes, fails or is interrupted. Nothing else is
 * ever signalled.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const started = new Set<ChildProcess>();

/** Starts `command` in a new process group and tracks it until it exits. */
export function startProcess(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true });
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Ends a process started here and its group: `signal`, then SIGKILL after `graceMs`. Resolves once it has exited. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000) {
  if (hasExited(child)) {
    signalGroup(child, 'SIGKILL'); // grandchildren left behind by a leader that already exited
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child, signal);
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  signalGroup(child, 'SIGKILL');
}

/** Ends every process still running that this benchmark started. */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...started].map((child) => stopProcess(child, 'SIGTERM', 3_000)));
}

/** Last resort on exit: SIGKILL to every group still tracked (synchronous, for process.on('exit')). */
export function killAllProcessesNow(): void {
  for (const child of started) signalGroup(child, 'SIGKILL');
}

/** Resolves when the child exits, with its exit code (null after a signal). */
export function exitOf(child: ChildProcess): Promise<number | null> {
  if (hasExited(child)) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Memory of a process from /proc: current and peak resident set (VmRSS, VmHWM) in bytes; undefined when gone. */
export function readMemory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Polls VmRSS of `pid` every `everyMs` until stopped; `stop()` returns the largest value seen (bytes). */
export function sampleRss(pid: number, everyMs = 25): { stop(): number } {
  let peak = 0;
  const take = () => {
    const memory = readMemory(pid);
    if (memory) peak = Math.max(peak, memory.rss);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return peak;
    },
  };
}
