/** Reads V8 CPU profiles (`node --cpu-prof`) and lists where the time went, by self time per function. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  name: string;
  /** Share of all samples (0…1), idle included. */
  share: number;
}

/** The `top` functions by self time of one .cpuprofile file. */
export function summarizeProfile(file: string, top = 15): HotFunction[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  for (const [index, id] of profile.samples.entries()) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url
      ? `${url.replace(/^file:\/\/.*node_modules\//, '').replace(/^file:\/\/.*\/apps\//, 'apps/')}:${lineNumber + 1}`
      : '';
    const name = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[index] ?? 0));
  }
  const all = [...totals.values()].reduce((sum, value) => sum + value, 0) || 1;
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, time]) => ({ name, share: Math.round((time / all) * 1000) / 1000 }));
}

/** Every profile in `dir`, summarized. */
export function summarizeProfiles(dir: string): Record<string, HotFunction[]> {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith('.cpuprofile'));
  } catch {
    return {};
  }
  return Object.fromEntries(
    files.map((file) => [path.relative(process.cwd(), path.join(dir, file)), summarizeProfile(path.join(dir, file))]),
  );
}
