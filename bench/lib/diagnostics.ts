/** What explains a figure: where the database sessions wait, and how much CPU a process used. */
import { readFileSync } from 'node:fs';
import pg from 'pg';

/** CPU seconds (user + system) a process has used so far; 0 when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * Samples pg_stat_activity of the benchmark database every `everyMs` and counts what its other sessions were doing
 * (`active: Lock/transactionid`, `idle in transaction`, …). `stop()` returns the counts, most frequent first.
 */
export function sampleDatabaseWaits(url: string, everyMs = 100) {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  const counts = new Map<string, number>();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    await client.connect();
    try {
      await sampleUntilStopped();
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  async function sampleUntilStopped() {
    while (!stopped) {
      const { rows } = await client.query<{ what: string }>(
        `SELECT state || COALESCE(': ' || wait_event_type || '/' || wait_event, ': on CPU') AS what
         FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
           AND state <> 'idle'`,
      );
      samples += 1;
      for (const { what } of rows) counts.set(what, (counts.get(what) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }
  return {
    async stop() {
      stopped = true;
      await loop.catch(() => undefined);
      const perSample = [...counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([what, count]) => ({ what, meanSessions: Math.round((count / Math.max(samples, 1)) * 100) / 100 }));
      return { samples, perSample };
    },
  };
}
