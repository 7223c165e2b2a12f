/**
 * `npm run bench [-- --quick] [-- --strict] [-- --only ping,live,…]`: starts its own PostgreSQL, Class Assist in
 * production mode and the baseline server, runs the scenarios with load from separate processes, prints a table of
 * each figure beside its baseline and target, and writes bench/results.json. Exits 0 when the run completed, whatever
 * the targets say (the table says that); with --strict, exits 1 when a target failed. See bench/README.md.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { type BenchContext, FULL, QUICK, type Scenario, type ScenarioOutcome, type Sizes } from './lib/context.js';
import { type BenchDatabase, makeScratchDir, openBenchDatabase } from './lib/database.js';
import { killAllProcessesNow, stopAllProcesses } from './lib/processes.js';
import { summarizeProfiles } from './lib/profile-summary.js';
import { describeMachine, formatReport, judge, type RowResult, writeResults } from './lib/report.js';
import { generateSecrets, ROOT, type RunningServer, startBaseline, startClassAssist } from './lib/servers.js';
import { connectionsScenario } from './scenarios/connections.scenario.js';
import { exportScenario } from './scenarios/export.scenario.js';
import { heatmapScenario } from './scenarios/heatmap.scenario.js';
import { liveScenario } from './scenarios/live.scenario.js';
import { pingScenario } from './scenarios/ping.scenario.js';
import { startScenario } from './scenarios/start.scenario.js';
import { studyScenario } from './scenarios/study.scenario.js';

const SCENARIOS: Scenario[] = [
  studyScenario,
  pingScenario,
  liveScenario,
  heatmapScenario,
  exportScenario,
  connectionsScenario,
  startScenario,
];

const USAGE = `Usage: npm run bench [-- --quick] [-- --strict] [-- --only ${SCENARIOS.map((s) => s.id).join(',')}]
  --quick   small sizes (about two minutes in all); figures are noisier
  --strict  exit 1 when a target is missed (default: exit 0 once the run completed)
  --only    run only these scenarios
  --profile CPU-profile the Class Assist servers (bench/profiles/); the hottest functions go into results.json
Environment: DATABASE_URL (optional: a fresh database is created on it and dropped), BENCH_VERBOSE=1 (server output)`;

function parseArgs(argv: string[]) {
  const options = { quick: false, strict: false, profile: false, only: undefined as string[] | undefined };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--strict') options.strict = true;
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--only') options.only = (argv[++index] ?? '').split(',').filter(Boolean);
    else if (arg?.startsWith('--only=')) options.only = arg.slice(7).split(',').filter(Boolean);
    else {
      process.stderr.write(`${arg === '--help' || arg === '-h' ? '' : `Unknown argument ${arg}\n`}${USAGE}\n`);
      process.exit(arg === '--help' || arg === '-h' ? 0 : 2);
    }
  }
  const unknown = options.only?.filter((id) => !SCENARIOS.some((scenario) => scenario.id === id)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(`Unknown scenario ${unknown.join(', ')}\n${USAGE}\n`);
    process.exit(2);
  }
  return options;
}

function progress(message: string): void {
  const seconds = ((performance.now() - began) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[bench ${seconds}s] ${message}\n`);
}

const began = performance.now();
const options = parseArgs(process.argv.slice(2));
const scratch = makeScratchDir('class-assist-bench-');
let db: BenchDatabase | undefined;
const servers: RunningServer[] = [];

let cleaning: Promise<void> | undefined;

/** Stops what this run started, in reverse order: load processes, servers, the database, the scratch folder. Once. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await stopAllProcesses();
    for (const server of servers) await server.stop().catch(() => undefined);
    await db?.drop().catch((err: Error) => progress(`could not drop the benchmark database: ${err.message}`));
    db = undefined;
    rmSync(scratch, { recursive: true, force: true });
  })();
  return cleaning;
}

// A Ctrl-C reaches this process twice when it runs under tsx (from the terminal and relayed by tsx): a second signal
// forces the exit only when it comes more than 2 s after the first.
let interruptedAt: number | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interruptedAt !== undefined) {
      if (performance.now() - interruptedAt > 2_000) process.exit(130);
      return;
    }
    interruptedAt = performance.now();
    progress(`${signal}: stopping everything this benchmark started (again to force)`);
    void cleanUp().finally(() => process.exit(130));
  });
}
// A forced exit: no load process or server outlives us (the embedded PostgreSQL stops itself on our exit).
process.on('exit', killAllProcessesNow);

/** The database, Class Assist and the baseline, started for this run (all stopped by cleanUp). */
async function startStack(sizes: Sizes): Promise<BenchContext> {
  db = await openBenchDatabase(process.env.DATABASE_URL, scratch);
  progress(`database: ${db.source} (ready in ${(db.startMs / 1000).toFixed(1)} s)`);
  const secrets = generateSecrets();
  const cpuProfileDir = options.profile ? path.join(ROOT, 'bench', 'profiles', new Date().toISOString()) : undefined;
  const classAssist = await startClassAssist({
    databaseUrl: db.url,
    secrets,
    dataDir: path.join(scratch, 'server-data'),
    cpuProfileDir,
  });
  servers.push(classAssist);
  progress(`class assist: ${classAssist.command} on ${classAssist.url} (pid ${classAssist.pid})`);
  const baseline = await startBaseline(db.url);
  servers.push(baseline);
  progress(`baseline: ${baseline.command} on ${baseline.url} (pid ${baseline.pid})`);
  return { quick: options.quick, sizes, db, secrets, scratch, cpuProfileDir, classAssist, baseline, progress };
}

/** Runs each scenario; one that throws becomes a `did not complete` row and the others still run. */
async function runScenarios(ctx: BenchContext, selected: Scenario[]) {
  const rows: RowResult[] = [];
  const details: Record<string, ScenarioOutcome['details'] | { error: string }> = {};
  for (const scenario of selected) {
    if (interruptedAt !== undefined) break;
    const started = performance.now();
    try {
      const outcome = await scenario.run(ctx);
      rows.push(...outcome.rows.map(judge));
      details[scenario.id] = { ...outcome.details, seconds: (performance.now() - started) / 1000 };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      progress(`${scenario.id} failed: ${message}`);
      details[scenario.id] = { error: message };
      rows.push(
        judge({
          scenario: scenario.title,
          figure: 'did not complete',
          value: undefined,
          unit: '',
          targetOn: 'value',
          target: { comparison: 'atMost', limit: 0 },
          note: message.split('\n')[0]?.slice(0, 120),
        }),
      );
    }
  }
  return { rows, details };
}

/** Never settles: after a signal, the signal handler cleans up and exits. */
const untilSignalHandlerExits = () => new Promise<number>(() => undefined);

async function main(): Promise<number> {
  const sizes = options.quick ? QUICK : FULL;
  const selected = SCENARIOS.filter((scenario) => !options.only || options.only.includes(scenario.id));
  progress(`${options.quick ? 'quick' : 'full'} run: ${selected.map((scenario) => scenario.id).join(', ')}`);
  const ctx = await startStack(sizes);
  const { rows, details } = await runScenarios(ctx, selected);
  if (interruptedAt !== undefined) return untilSignalHandlerExits();
  const machine = describeMachine(ctx.db.version);
  const database = { source: ctx.db.source, postgres: ctx.db.version, readyMs: ctx.db.startMs };
  await cleanUp();
  const profiles = ctx.cpuProfileDir ? summarizeProfiles(ctx.cpuProfileDir) : undefined;
  const server = ctx.classAssist.command;
  process.stdout.write(formatReport({ rows, machine, server, quick: options.quick, profiles }));
  const file = path.join(ROOT, 'bench', 'results.json');
  const mode = options.quick ? 'quick' : 'full';
  const seconds = (performance.now() - began) / 1000;
  writeResults(file, { mode, machine, server, database, sizes, rows, details, profiles, seconds });
  progress(`wrote ${path.relative(ROOT, file)}`);
  const failed = rows.some((row) => row.status === 'FAIL');
  return options.strict && failed ? 1 : 0;
}

main()
  .then((code) => process.exit(code))
  .catch(async (err: unknown) => {
    if (interruptedAt !== undefined) return; // the signal handler exits
    process.stderr.write(`\nThe benchmark could not run: ${err instanceof Error ? err.stack : String(err)}\n`);
    await cleanUp().catch(() => undefined);
    process.exit(1);
  });
