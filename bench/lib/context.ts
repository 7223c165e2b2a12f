/** What every scenario receives: the sizes of this run, the database, the running servers and a place for details. */
import type { BenchDatabase } from './database.js';
import type { Row } from './report.js';
import type { RunningServer, Secrets } from './servers.js';

export interface Sizes {
  pingSeconds: number;
  pingWarmupSeconds: number;
  pingConnections: number;
  liveStudents: number;
  liveInstructors: number;
  livePingsPerSec: number;
  liveSeconds: number;
  heatmapEvents: number;
  heatmapStudents: number;
  heatmapSlides: number;
  /** Requests per time range (heatmap) or function (study help) after the warm-up. */
  sequentialRepeats: number;
  baselineQueryRepeats: number;
  connections: number;
  connectionWorkers: number;
  warmStarts: number;
}

export const FULL: Sizes = {
  pingSeconds: 30,
  pingWarmupSeconds: 5,
  pingConnections: 50,
  liveStudents: 950,
  liveInstructors: 50,
  livePingsPerSec: 500,
  liveSeconds: 20,
  heatmapEvents: 1_000_000,
  heatmapStudents: 2_000,
  heatmapSlides: 200,
  sequentialRepeats: 200,
  baselineQueryRepeats: 20,
  connections: 10_000,
  connectionWorkers: 4,
  warmStarts: 3,
};

export const QUICK: Sizes = {
  pingSeconds: 10,
  pingWarmupSeconds: 2,
  pingConnections: 50,
  liveStudents: 190,
  liveInstructors: 10,
  livePingsPerSec: 500,
  liveSeconds: 5,
  heatmapEvents: 100_000,
  heatmapStudents: 2_000,
  heatmapSlides: 200,
  sequentialRepeats: 40,
  baselineQueryRepeats: 5,
  connections: 1_000,
  connectionWorkers: 2,
  warmStarts: 1,
};

export interface BenchContext {
  quick: boolean;
  sizes: Sizes;
  db: BenchDatabase;
  secrets: Secrets;
  /** A folder for this run, removed at the end. */
  scratch: string;
  /** With --profile: where Class Assist servers write their CPU profiles. */
  cpuProfileDir: string | undefined;
  /** The Class Assist server shared by the scenarios that do not need a fresh one. */
  classAssist: RunningServer;
  baseline: RunningServer;
  /** Say what is happening (stderr). */
  progress(message: string): void;
}

export interface ScenarioOutcome {
  rows: Row[];
  /** Anything worth keeping in results.json: raw figures, plans, settings. */
  details: Record<string, unknown>;
}

export interface Scenario {
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<ScenarioOutcome>;
}

/** The AgentKit bearer header for calls to Class Assist. */
export function bearer(ctx: BenchContext): Record<string, string> {
  return { authorization: `Bearer ${ctx.secrets.agentkit}` };
}
