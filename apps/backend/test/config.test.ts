import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, withDevelopmentSecrets } from '../src/config.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'class-assist-config-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const STRONG = 'x'.repeat(40);

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 4000,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:4000',
      dataDir: path.resolve('.data'),
      databaseUrl: '',
      classroom: {
        spike: { thresholdPercent: 25, windowSeconds: 120, minStudents: 3 },
        activeWindowSeconds: 600,
        dedupeSeconds: 30,
      },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('refuses to start in production without real secrets, naming each one', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AGENTKIT_SECRET[\s\S]*SESSION_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'production', AGENTKIT_SECRET: STRONG })).toThrow(/SESSION_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'production', AGENTKIT_SECRET: 'short', SESSION_SECRET: STRONG })).toThrow(
      /AGENTKIT_SECRET must be set to a random value of at least 32/,
    );
    const config = loadConfig({ NODE_ENV: 'production', AGENTKIT_SECRET: STRONG, SESSION_SECRET: STRONG });
    expect(config.host).toBe('0.0.0.0');
    expect(() => withDevelopmentSecrets({ ...config, agentkitSecret: '' })).toThrow(ConfigError);
  });

  it('lists every invalid variable at once', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'eighty', SPIKE_THRESHOLD_PERCENT: '101', NODE_ENV: 'staging', DATABASE_URL: 'mysql://x' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('PORT must be an integer');
    expect(message).toContain('SPIKE_THRESHOLD_PERCENT must be an integer from 0 to 100');
    expect(message).toContain('NODE_ENV must be development, production or test');
    expect(message).toContain('DATABASE_URL must be a postgres://');
  });

  it('reads the classroom rules from the environment', () => {
    const config = loadConfig({
      SPIKE_THRESHOLD_PERCENT: '40',
      SPIKE_WINDOW_SECONDS: '60',
      SPIKE_MIN_STUDENTS: '5',
      ACTIVE_WINDOW_SECONDS: '300',
      CONFUSION_DEDUPE_SECONDS: '0',
    });
    expect(config.classroom).toStrictEqual({
      spike: { thresholdPercent: 40, windowSeconds: 60, minStudents: 5 },
      activeWindowSeconds: 300,
      dedupeSeconds: 0,
    });
  });
});

describe('withDevelopmentSecrets', () => {
  it('generates the secrets once, keeps them private under DATA_DIR, and reuses them', () => {
    const dataDir = tempDir();
    const first = withDevelopmentSecrets(loadConfig({ DATA_DIR: dataDir }));
    expect(first.agentkitSecret.length).toBeGreaterThanOrEqual(32);
    expect(first.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(first.agentkitSecret).not.toBe(first.sessionSecret);
    const file = path.join(dataDir, 'secrets.json');
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).agentkitSecret).toBe(first.agentkitSecret);
    const second = withDevelopmentSecrets(loadConfig({ DATA_DIR: dataDir }));
    expect(second.agentkitSecret).toBe(first.agentkitSecret);
    expect(second.sessionSecret).toBe(first.sessionSecret);
  });

  it('keeps secrets that are given', () => {
    const dataDir = tempDir();
    const config = withDevelopmentSecrets(
      loadConfig({ DATA_DIR: dataDir, AGENTKIT_SECRET: STRONG, SESSION_SECRET: STRONG }),
    );
    expect(config.agentkitSecret).toBe(STRONG);
  });
});
