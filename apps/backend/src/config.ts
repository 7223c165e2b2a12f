/**
 * The only reader of process.env. Configuration is parsed and validated once into a frozen object that the rest of
 * the server receives as an argument. Every variable is listed in `.env.example` and the README.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';

export type NodeEnv = 'development' | 'production' | 'test';

export interface SpikeSettings {
  /** A spike needs strictly more than this percentage of active students confused. */
  thresholdPercent: number;
  /** How far back a ping counts towards a spike. */
  windowSeconds: number;
  /** A spike needs at least this many confused students. */
  minStudents: number;
}

export interface ClassroomSettings {
  spike: SpikeSettings;
  /** A student is active if they did anything within this many seconds. */
  activeWindowSeconds: number;
  /** A second ping by one student on one slide within this many seconds is a duplicate. */
  dedupeSeconds: number;
}

export interface Config {
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  /** Empty when the embedded PostgreSQL should be started. */
  databaseUrl: string;
  /**
   * The server's runtime login (`class_assist_app`) when an operator made the roles (Supabase, docs/deploy.md);
   * empty: the server creates the roles through DATABASE_URL and logs in as the runtime role itself.
   */
  databaseRuntimeUrl: string;
  databasePoolMax: number;
  agentkitSecret: string;
  sessionSecret: string;
  logLevel: string;
  /** Bearer token required by GET /metrics; empty leaves it open (bind to a private network then). */
  metricsToken: string;
  openai: OpenAISettings;
  chatkit: { workflowId: string; domainKey: string };
  redisUrl: string;
  classroom: ClassroomSettings;
  /** How confusion pings are batched into transactions (domain/ping-batcher.ts). */
  pingBatch: { maxSize: number; maxWaitMs: number; maxInFlight: number };
  lti: LtiSettings;
  lms: LmsSettings;
  rateLimit: RateLimitSettings;
  http: HttpSettings;
}

/** Interventions through the LMS (lms/): default connections and who counts as confused or struggling. */
export interface LmsSettings {
  /** Used for a course without its own connection (PUT /api/admin/courses/{id}/lms); the LMS course id then comes
   * from the LTI launch. Canvas is preferred when both are set. */
  canvas: { baseUrl: string; token: string };
  moodle: { baseUrl: string; token: string };
  /** `confused_students`: students confused within this many minutes (the current lecture). */
  confusedWindowMinutes: number;
  /** `struggling_students`: confused on at least `strugglingSlides` distinct slides within `strugglingDays` days, or
   * below `strugglingQuizPercent` on their latest finished quiz. */
  strugglingSlides: number;
  strugglingDays: number;
  strugglingQuizPercent: number;
  /** Delivery attempts of one intervention before it fails (with exponential backoff from `retryDelaySeconds`). */
  retryLimit: number;
  retryDelaySeconds: number;
}

export interface OpenAISettings {
  /** Empty when not given (a local OpenAI-compatible server at `baseUrl` may need none). */
  apiKey: string;
  /** Empty for OpenAI itself; else any OpenAI-compatible server (a local model server or a proxy). */
  baseUrl: string;
  model: string;
  /** How long one model request may take before it is abandoned (and retried). */
  timeoutMs: number;
  /** Retries of a model request after a 408/409/429/5xx answer, a timeout or a lost connection, with backoff. */
  maxRetries: number;
  /** Which API chat answers use: `auto` — the Responses API at OpenAI, Chat Completions at any other base URL. */
  api: OpenAIApi;
}

export interface LtiSettings {
  /** A JSON file (an array of platform registrations) loaded at start; empty for none. */
  platformsFile: string;
  /** How long a retired tool key stays published at /lti/jwks after a rotation. */
  keyRotationGraceDays: number;
}

/** Limits per minute (@fastify/rate-limit; in Redis when REDIS_URL is set, else in this process). */
export interface RateLimitSettings {
  /** RATE_LIMIT=off turns every limit off (benchmarks, tests). */
  enabled: boolean;
  /** Requests of one signed-in member (user in a course), on any route. */
  perMinute: number;
  /** Requests without a session, per client address (a lecture hall behind one NAT opens the page together). */
  ipPerMinute: number;
  /** `track_confusion` and `submit_question` (each) per student, whatever the transport. */
  pingPerMinute: number;
  /** Calls with the AgentKit secret, per course (the body's `course_id`). */
  servicePerMinute: number;
  /** Key prefix in Redis. */
  redisPrefix: string;
}

/** Fastify's trustProxy: whether, how many, or which proxies' X-Forwarded-* headers to believe. */
export type TrustProxy = boolean | number | string[];

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** How the server faces browsers and proxies. */
export interface HttpSettings {
  trustProxy: TrustProxy;
  /** Origins allowed to call the API from a browser (CORS); empty: same origin only. */
  corsOrigins: string[];
  /** CSP frame-ancestors: who may frame the page (the LMS). */
  frameAncestors: string[];
  /** Serve HTTPS directly with these PEM files. */
  tls: TlsFiles | undefined;
}

export type OpenAIApi = 'auto' | 'responses' | 'chat_completions';

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

const MIN_SECRET_LENGTH = 32;

/**
 * Reads configuration from `env` (process.env by default, after loading `.env` from the working directory when it
 * exists). Throws ConfigError listing every invalid variable. Secrets are left empty in development and test when
 * not given: `withDevelopmentSecrets` fills them.
 */
export function loadConfig(env: Env = readProcessEnv()): Config {
  const problems: string[] = [];
  const str = (name: string, fallback = '') => (env[name] ?? '').trim() || fallback;
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = str(name);
    if (raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };

  const nodeEnv = str('NODE_ENV', 'development');
  if (!['development', 'production', 'test'].includes(nodeEnv)) {
    problems.push(`NODE_ENV must be development, production or test (got "${nodeEnv}")`);
  }
  const production = nodeEnv === 'production';
  const port = int('PORT', 4000, 0, 65535);
  const host = str('HOST', production ? '0.0.0.0' : '127.0.0.1');
  const tls = readTls(str, problems);
  const publicUrl = str('PUBLIC_URL', `${tls ? 'https' : 'http'}://localhost:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(publicUrl)) problems.push(`PUBLIC_URL must be an http(s) URL (got "${publicUrl}")`);
  const databaseUrl = str('DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// connection string');
  }
  const databaseRuntimeUrl = str('DATABASE_RUNTIME_URL');
  if (databaseRuntimeUrl && !/^postgres(ql)?:\/\//.test(databaseRuntimeUrl)) {
    problems.push('DATABASE_RUNTIME_URL must be a postgres:// or postgresql:// connection string');
  }

  const agentkitSecret = str('AGENTKIT_SECRET');
  const sessionSecret = str('SESSION_SECRET');
  for (const [name, value] of [
    ['AGENTKIT_SECRET', agentkitSecret],
    ['SESSION_SECRET', sessionSecret],
  ] as const) {
    if (production && value.length < MIN_SECRET_LENGTH) {
      problems.push(
        `${name} must be set to a random value of at least ${MIN_SECRET_LENGTH} characters in production ` +
          `(for example: openssl rand -hex 32)`,
      );
    } else if (value && value.length < MIN_SECRET_LENGTH) {
      problems.push(`${name} must be at least ${MIN_SECRET_LENGTH} characters long`);
    }
  }

  const openaiApi = str('OPENAI_API', 'auto');
  if (!['auto', 'responses', 'chat_completions'].includes(openaiApi)) {
    problems.push(`OPENAI_API must be auto, responses or chat_completions (got "${openaiApi}")`);
  }

  /** An optional http(s) URL without a trailing slash. */
  const httpUrl = (name: string): string => {
    const value = str(name).replace(/\/+$/, '');
    if (value && !/^https?:\/\/[^\s/]+/.test(value)) problems.push(`${name} must be an http(s) URL (got "${value}")`);
    return value;
  };
  const spikeWindow = int('SPIKE_WINDOW_SECONDS', 120, 10, 86_400);
  const config: Config = {
    nodeEnv: nodeEnv as NodeEnv,
    port,
    host,
    publicUrl,
    dataDir: path.resolve(str('DATA_DIR', '.data')),
    databaseUrl,
    databaseRuntimeUrl,
    databasePoolMax: int('DATABASE_POOL_MAX', 10, 1, 500),
    agentkitSecret,
    sessionSecret,
    logLevel: str('LOG_LEVEL', nodeEnv === 'test' ? 'silent' : 'info'),
    metricsToken: str('METRICS_TOKEN'),
    openai: {
      apiKey: str('OPENAI_API_KEY'),
      baseUrl: str('OPENAI_BASE_URL'),
      model: str('OPENAI_MODEL', 'gpt-4.1-mini'),
      timeoutMs: int('OPENAI_TIMEOUT_MS', 20_000, 100, 600_000),
      maxRetries: int('OPENAI_MAX_RETRIES', 2, 0, 10),
      api: openaiApi as OpenAIApi,
    },
    chatkit: { workflowId: str('CHATKIT_WORKFLOW_ID'), domainKey: str('CHATKIT_DOMAIN_KEY') },
    redisUrl: str('REDIS_URL'),
    classroom: {
      spike: {
        thresholdPercent: int('SPIKE_THRESHOLD_PERCENT', 25, 0, 100),
        windowSeconds: spikeWindow,
        minStudents: int('SPIKE_MIN_STUDENTS', 3, 1, 100_000),
      },
      activeWindowSeconds: int('ACTIVE_WINDOW_SECONDS', 600, 10, 86_400),
      dedupeSeconds: int('CONFUSION_DEDUPE_SECONDS', 30, 0, 3_600),
    },
    pingBatch: {
      maxSize: int('PING_BATCH_MAX', 64, 1, 10_000),
      maxWaitMs: int('PING_BATCH_WAIT_MS', 2, 0, 1_000),
      maxInFlight: int('PING_BATCH_IN_FLIGHT', 2, 1, 100),
    },
    lti: {
      platformsFile: str('LTI_PLATFORMS_FILE') ? path.resolve(str('LTI_PLATFORMS_FILE')) : '',
      keyRotationGraceDays: int('LTI_KEY_ROTATION_GRACE_DAYS', 7, 0, 365),
    },
    lms: {
      canvas: { baseUrl: httpUrl('CANVAS_BASE_URL'), token: str('CANVAS_TOKEN') },
      moodle: { baseUrl: httpUrl('MOODLE_URL'), token: str('MOODLE_TOKEN') },
      confusedWindowMinutes: int('INTERVENTION_CONFUSED_WINDOW_MINUTES', 120, 1, 10_080),
      strugglingSlides: int('INTERVENTION_STRUGGLING_SLIDES', 3, 1, 1_000),
      strugglingDays: int('INTERVENTION_STRUGGLING_DAYS', 7, 1, 365),
      strugglingQuizPercent: int('INTERVENTION_STRUGGLING_QUIZ_PERCENT', 60, 0, 100),
      retryLimit: int('LMS_RETRY_LIMIT', 6, 0, 50),
      retryDelaySeconds: int('LMS_RETRY_DELAY_SECONDS', 5, 1, 3_600),
    },
    rateLimit: {
      enabled: readSwitch(str('RATE_LIMIT', 'on'), 'RATE_LIMIT', problems),
      perMinute: int('RATE_LIMIT_PER_MINUTE', 300, 1, 1_000_000),
      ipPerMinute: int('RATE_LIMIT_IP_PER_MINUTE', 3000, 1, 1_000_000),
      pingPerMinute: int('RATE_LIMIT_PING_PER_MINUTE', 20, 1, 1_000_000),
      servicePerMinute: int('RATE_LIMIT_SERVICE_PER_MINUTE', 3000, 1, 1_000_000),
      redisPrefix: str('RATE_LIMIT_REDIS_PREFIX', 'class-assist:rate-limit:'),
    },
    http: {
      trustProxy: readTrustProxy(str('TRUST_PROXY'), problems),
      corsOrigins: readOrigins(str('CORS_ORIGINS'), problems),
      frameAncestors: readFrameAncestors(str('FRAME_ANCESTORS', production ? "'self' https:" : '*'), problems),
      tls,
    },
  };
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(config.logLevel)) {
    problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "${config.logLevel}")`);
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return Object.freeze(config);
}

/**
 * Development and test only: secrets that were not given are generated once and kept in `DATA_DIR/secrets.json`
 * (mode 600), so they survive restarts. Returns the completed, frozen config and whether anything was generated.
 */
export function withDevelopmentSecrets(config: Config): Config {
  if (config.agentkitSecret && config.sessionSecret) return config;
  if (config.nodeEnv === 'production') throw new ConfigError('Secrets are required in production');
  const file = path.join(config.dataDir, 'secrets.json');
  let stored: { agentkitSecret?: string; sessionSecret?: string } = {};
  if (existsSync(file)) {
    try {
      stored = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      throw new ConfigError(`${file} is not valid JSON: fix it or delete it to generate new secrets`);
    }
  }
  const next = {
    agentkitSecret: stored.agentkitSecret || randomBytes(24).toString('base64url'),
    sessionSecret: stored.sessionSecret || randomBytes(32).toString('base64url'),
  };
  if (next.agentkitSecret !== stored.agentkitSecret || next.sessionSecret !== stored.sessionSecret) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  }
  return Object.freeze({
    ...config,
    agentkitSecret: config.agentkitSecret || next.agentkitSecret,
    sessionSecret: config.sessionSecret || next.sessionSecret,
  });
}

/** A boolean switch: on/off, true/false, 1/0. */
function readSwitch(raw: string, name: string, problems: string[]): boolean {
  const value = raw.toLowerCase();
  if (['on', 'true', '1'].includes(value)) return true;
  if (['off', 'false', '0'].includes(value)) return false;
  problems.push(`${name} must be on or off (got "${raw}")`);
  return true;
}

/** TRUST_PROXY as Fastify's trustProxy: true, false, a number of hops, or a list of addresses and CIDR ranges. */
function readTrustProxy(raw: string, problems: string[]): TrustProxy {
  const value = raw.toLowerCase();
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = raw.split(',').map((entry) => entry.trim());
  const bad = entries.filter((entry) => {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    const bits = family === 6 ? 128 : 32;
    return family === 0 || (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) <= bits));
  });
  if (bad.length > 0) {
    problems.push(
      `TRUST_PROXY must be true, false, a number of proxies, or comma-separated addresses/CIDR ranges (bad: ${bad.join(', ')})`,
    );
  }
  return entries;
}

/** CORS_ORIGINS: comma-separated origins (`https://host[:port]`, no path). */
function readOrigins(raw: string, problems: string[]): string[] {
  const origins = raw
    .split(',')
    .map((entry) => entry.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  const bad = origins.filter((origin) => !/^https?:\/\/[^\s/?#]+$/i.test(origin));
  if (bad.length > 0)
    problems.push(`CORS_ORIGINS must list origins like https://lms.example.edu (bad: ${bad.join(', ')})`);
  return origins;
}

/** FRAME_ANCESTORS: CSP sources (space- or comma-separated): 'self', 'none', *, https:, https://lms.example.edu … */
function readFrameAncestors(raw: string, problems: string[]): string[] {
  const sources = raw.split(/[\s,]+/).filter(Boolean);
  const source = /^('self'|'none'|\*|[a-z][a-z0-9+.-]*:|[a-z][a-z0-9+.-]*:\/\/[\w*.-]+(:\d+|:\*)?)$/i;
  const bad = sources.filter((entry) => !source.test(entry));
  if (sources.length === 0 || bad.length > 0) {
    problems.push(
      `FRAME_ANCESTORS must list CSP sources such as 'self' https://lms.example.edu (bad: ${bad.join(', ') || 'empty'})`,
    );
  }
  return sources;
}

/** TLS_CERT and TLS_KEY (PEM files): both or neither, and readable. */
function readTls(str: (name: string) => string, problems: string[]): TlsFiles | undefined {
  const certFile = str('TLS_CERT');
  const keyFile = str('TLS_KEY');
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) {
    problems.push(`TLS_CERT and TLS_KEY must be set together (only ${certFile ? 'TLS_CERT' : 'TLS_KEY'} is set)`);
    return undefined;
  }
  for (const [name, file] of [
    ['TLS_CERT', certFile],
    ['TLS_KEY', keyFile],
  ] as const) {
    try {
      accessSync(file, constants.R_OK);
    } catch (err) {
      problems.push(`${name} cannot be read: ${path.resolve(file)} (${(err as NodeJS.ErrnoException).code})`);
    }
  }
  return { certFile: path.resolve(certFile), keyFile: path.resolve(keyFile) };
}

function readProcessEnv(): Env {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}
