/** The benchmark's output: one row per figure, printed as a table and written to bench/results.json. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import type { HotFunction } from './profile-summary.js';

export type Comparison = 'atLeast' | 'atMost';

/** One figure: what was measured, beside its baseline, against its target. */
export interface Row {
  scenario: string;
  figure: string;
  /** The measured value, in `unit`; undefined when it could not be measured. */
  value: number | undefined;
  unit: string;
  /** The baseline's value in the same unit, when the figure has one. */
  baseline?: number | undefined;
  /** What the target applies to: the ratio value/baseline, the ratio baseline/value (a speed-up), or the value. */
  targetOn: 'ratio' | 'speedup' | 'value' | 'none';
  target?: { comparison: Comparison; limit: number };
  /** Why a figure is missing, or what to know about it. */
  note?: string;
}

export interface RowResult extends Row {
  ratio: number | undefined;
  status: 'pass' | 'FAIL' | 'n/a';
}

export function judge(row: Row): RowResult {
  const ratio =
    row.value === undefined || row.baseline === undefined || row.baseline === 0
      ? undefined
      : row.targetOn === 'speedup'
        ? row.baseline / row.value
        : row.value / row.baseline;
  const subject = row.targetOn === 'value' ? row.value : row.targetOn === 'none' ? undefined : ratio;
  let status: RowResult['status'] = 'n/a';
  if (row.target && subject !== undefined && Number.isFinite(subject)) {
    const ok = row.target.comparison === 'atLeast' ? subject >= row.target.limit : subject <= row.target.limit;
    status = ok ? 'pass' : 'FAIL';
  } else if (row.target && row.value === undefined) {
    status = 'FAIL';
  }
  return { ...row, ratio, status };
}

function formatNumber(value: number | undefined, unit: string): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit ? `${text} ${unit}` : text;
}

function formatTarget(row: RowResult): string {
  if (!row.target) return '—';
  const sign = row.target.comparison === 'atLeast' ? '≥' : '≤';
  if (row.targetOn === 'value') return `${sign} ${formatNumber(row.target.limit, row.unit)}`;
  return `${sign} ${row.target.limit}×${row.targetOn === 'speedup' ? ' faster' : ''}`;
}

/** The rows as a Markdown table (readable in a terminal and pasteable into the README). */
export function formatTable(rows: readonly RowResult[]): string {
  const header = ['scenario', 'figure', 'value', 'baseline', 'ratio', 'target', 'result'];
  const lines = rows.map((row) => [
    row.scenario,
    row.figure,
    formatNumber(row.value, row.unit),
    row.baseline === undefined ? '—' : formatNumber(row.baseline, row.unit),
    row.ratio === undefined ? '—' : `${formatNumber(row.ratio, '')}×`,
    formatTarget(row),
    row.status === 'n/a' && row.note ? `n/a (${row.note})` : row.status,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column]?.length ?? 0)),
  );
  const render = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [render(header), render(widths.map((width) => '-'.repeat(width))), ...lines.map(render)].join('\n');
}

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  loadAverage: number[];
  kernel: string;
  node: string;
  postgres: string;
  date: string;
}

export function describeMachine(postgres: string): Machine {
  const cpus = os.cpus();
  let kernel = os.release();
  try {
    kernel = execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim();
  } catch {
    // keep os.release()
  }
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    ramGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100),
    kernel,
    node: process.version,
    postgres,
    date: new Date().toISOString(),
  };
}

/** The table, the notes of rows that have one, the machine, and the hottest functions of any CPU profiles. */
export function formatReport(report: {
  rows: readonly RowResult[];
  machine: Machine;
  server: string;
  quick: boolean;
  profiles: Record<string, HotFunction[]> | undefined;
}): string {
  const { rows, machine } = report;
  const notes = rows
    .filter((row) => row.note && row.status !== 'n/a')
    .map((row) => `- ${row.scenario}, ${row.figure}: ${row.note}`);
  const failed = rows.filter((row) => row.status === 'FAIL').length;
  const targets = rows.filter((row) => row.target).length;
  const parts = [`\n${formatTable(rows)}\n`];
  if (notes.length > 0) parts.push(`Notes:\n${notes.join('\n')}\n`);
  parts.push(
    `${report.quick ? 'Quick run (small sizes, noisy). ' : ''}Machine: ${machine.cpu}, ${machine.cores} cores, ` +
      `${machine.ramGiB} GiB RAM, load ${machine.loadAverage.join(' ')}; Node ${machine.node}, ` +
      `PostgreSQL ${machine.postgres}; ${machine.date}.\nServer: ${report.server}. ${failed} of ${targets} targets missed.\n`,
  );
  for (const [name, hot] of Object.entries(report.profiles ?? {})) {
    const lines = hot.slice(0, 8).map((fn) => `  ${(fn.share * 100).toFixed(1).padStart(5)} %  ${fn.name}`);
    parts.push(`CPU profile ${name}, self time:\n${lines.join('\n')}\n`);
  }
  return parts.join('\n');
}

export function writeResults(file: string, content: unknown): void {
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
}
