/** The root pino logger. Secrets never reach a log line: authorization headers and known secret fields are redacted. */
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

export function createLogger(config: Pick<Config, 'logLevel' | 'nodeEnv'>): Logger {
  const pretty = config.nodeEnv === 'development' && process.stdout.isTTY;
  return pino({
    level: config.logLevel,
    base: { service: 'class-assist' },
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', 'authorization', 'secret', 'token', 'password'],
      censor: '[redacted]',
    },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname,service' } } }
      : {}),
  });
}
