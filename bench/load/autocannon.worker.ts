/**
 * Closed-loop HTTP load with autocannon: `connections` connections each sending the next request as soon as the last
 * one was answered, for `durationSec`. Bodies are random pings (bench/load/worker-io.ts `randomPing`).
 */
import autocannon from 'autocannon';
import { type PingSpec, randomPing, runWorker } from './worker-io.js';

export interface AutocannonConfig {
  url: string;
  path: string;
  headers: Record<string, string>;
  connections: number;
  durationSec: number;
  ping: PingSpec;
}

export interface AutocannonSummary {
  requests: number;
  requestsPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

runWorker<AutocannonConfig>(async (config) => {
  const result = await autocannon({
    url: config.url,
    connections: config.connections,
    duration: config.durationSec,
    headers: { 'content-type': 'application/json', ...config.headers },
    requests: [
      {
        method: 'POST',
        path: config.path,
        setupRequest: (request) => ({ ...request, body: randomPing(config.ping) }),
      },
    ],
  });
  const summary: AutocannonSummary = {
    requests: result.requests.total,
    requestsPerSec: result['2xx'] / config.durationSec,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
  return summary;
});
