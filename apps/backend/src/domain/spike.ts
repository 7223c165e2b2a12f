/** The spike rule of DESIGN.md, as pure arithmetic. */
import type { SpikeSettings } from '../config.js';
import { percentage } from './deps.js';

export interface SpikeVerdict {
  active: boolean;
  message: string;
  /** Confused students as a percentage of active students (one decimal). */
  percentage: number;
  confusedStudents: number;
  /** Active students, never fewer than the confused students counted with them. */
  activeStudents: number;
}

/**
 * A spike: the confused students of the window exceed `thresholdPercent` of the active students and number at
 * least `minStudents`. Compared in integers, so exactly the threshold is not a spike.
 */
export function judgeSpike(confused: number, active: number, settings: SpikeSettings): SpikeVerdict {
  const activeStudents = Math.max(active, confused);
  const exceeded = confused * 100 > settings.thresholdPercent * activeStudents && confused >= settings.minStudents;
  const who = confused === 1 ? '1 student' : `${confused} students`;
  return {
    active: exceeded,
    message: exceeded ? `${who} confused in last ${describeDuration(settings.windowSeconds)} — consider pausing` : '',
    percentage: percentage(confused, activeStudents),
    confusedStudents: confused,
    activeStudents,
  };
}

/** 120 → "2 minutes", 90 → "90 seconds", 3600 → "1 hour", 60 → "minute". */
export function describeDuration(seconds: number): string {
  const units: Array<[number, string]> = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (seconds % size === 0) {
      const count = seconds / size;
      return count === 1 ? name : `${count} ${name}s`;
    }
  }
  return seconds === 1 ? 'second' : `${seconds} seconds`;
}
