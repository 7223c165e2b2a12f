/**
 * Caps the V8 young generation at two semi-spaces of `SEMI_SPACE_MB` each, for the server's whole life.
 *
 * Why: V8 sizes the young generation by the machine's memory (semi-spaces of up to 32 MB each on a 64-bit machine
 * with plenty of RAM), grows it to that maximum once enough objects have survived — the start's module loading is
 * enough, and so is any long download — and keeps its pages. For this server that was ~16 MB of the ~138 MB resident
 * at idle and ~50 MB more during a 1,000,000-row CSV export, for nothing: its objects either die young (requests,
 * rows, chunks) or live as long as the process (modules, pools). With 8 MB semi-spaces that export peaks ~55 MB lower
 * at the same rows/s and a ping costs the same CPU; 4 MB saved ~8 MB more but cost ~15 % more CPU per ping, 2 MB
 * ~50 % (bench/README.md, "Export memory").
 *
 * How: V8 reads the size only when the process starts (`v8.setFlagsFromString` afterwards is documented as
 * unpredictable), so the process replaces itself with the same command plus `--max-semi-space-size` through
 * `process.execve`: the same pid, stdio, arguments and environment; no second process, no exit of the first. An
 * operator's own setting wins: `--max-semi-space-size` or `--max-heap-size` on the node command line or in
 * NODE_OPTIONS (e.g. `NODE_OPTIONS=--max-semi-space-size=32` for V8's own sizing on a large machine). Nothing happens
 * where `process.execve` does not exist (Windows, Node < 22.15), nor in a process with an IPC channel to its parent or
 * a debugger's inspector open: the new image could not reopen the channel, and would drop the debugger's session.
 */
import inspector from 'node:inspector';

/** Megabytes per semi-space; the young generation is two of them. */
export const SEMI_SPACE_MB = 8;

const HEAP_SIZE_FLAG = /--max[-_](semi[-_]space|heap)[-_]size/;

/** The node arguments to restart with, or undefined when this process should keep running as it is. */
export function youngGenerationArgs(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): string[] | undefined {
  if (execArgv.some((arg) => HEAP_SIZE_FLAG.test(arg)) || HEAP_SIZE_FLAG.test(nodeOptions ?? '')) return undefined;
  return [`--max-semi-space-size=${SEMI_SPACE_MB}`, ...execArgv];
}

/**
 * Restarts this process in place with the young generation capped (see above) unless it already is or the operator
 * chose a size; returns only when no restart happens. Call it first, before loading anything large: everything loaded
 * before the restart is loaded again after it.
 */
export function capYoungGeneration(): void {
  if (typeof process.execve !== 'function' || process.channel !== undefined || inspector.url() !== undefined) return;
  const args = youngGenerationArgs(process.execArgv, process.env.NODE_OPTIONS);
  if (!args) return;
  try {
    process.execve(process.execPath, [process.execPath, ...args, ...process.argv.slice(1)], process.env);
  } catch {
    // The restart failed (execve returns only then): run on with V8's own sizing rather than not at all.
  }
}
