/**
 * Security headers, CORS and HTTPS: a CSP the page works with whose frame-ancestors let the LMS frame it (and no
 * X-Frame-Options to contradict it), nosniff and no referrer everywhere, HSTS only over HTTPS, and cross-origin
 * calls only from CORS_ORIGINS.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { httpsGet, type SelfSigned, selfSignedCertificate } from './helpers/tls.js';

/** The CSP header as a map of directive → sources. */
function csp(header: unknown): Record<string, string[]> {
  return Object.fromEntries(
    String(header)
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name = '', ...sources]) => [name, sources]),
  );
}

describe('security headers over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(['/', '/api/agentkit/functions', '/healthz', '/no-such-page'])('%s has the headers', async (url) => {
    const response = await t.app.inject({ method: 'GET', url });
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    expect(response.headers['strict-transport-security']).toBeUndefined();
    // Framing is the CSP's business: X-Frame-Options would keep the LMS from framing the page.
    expect(response.headers['x-frame-options']).toBeUndefined();
    const policy = csp(response.headers['content-security-policy']);
    expect(policy).toMatchObject({
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'object-src': ["'none'"],
      'frame-ancestors': ['*'],
    });
    expect(policy['upgrade-insecure-requests']).toBeUndefined();
  });

  it('allows no cross-origin calls by default', async () => {
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/agentkit/track_confusion',
      headers: { origin: 'https://lms.example.edu', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('configured for an LMS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({
      env: {
        FRAME_ANCESTORS: "'self' https://lms.example.edu https://*.instructure.com",
        CORS_ORIGINS: 'https://lms.example.edu, https://agent.example.com/',
        CHATKIT_DOMAIN_KEY: 'domain_pk_test',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lets the LMS frame the page, and the page load the ChatKit element', async () => {
    const policy = csp((await t.app.inject({ method: 'GET', url: '/' })).headers['content-security-policy']);
    expect(policy['frame-ancestors']).toStrictEqual(["'self'", 'https://lms.example.edu', 'https://*.instructure.com']);
    expect(policy['script-src']).toStrictEqual(["'self'", 'https://cdn.platform.openai.com']);
  });

  it('answers a preflight from an allowed origin, and not from another', async () => {
    const preflight = (origin: string) =>
      t.app.inject({
        method: 'OPTIONS',
        url: '/api/agentkit/track_confusion',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
    const allowed = await preflight('https://agent.example.com');
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers).toMatchObject({
      'access-control-allow-origin': 'https://agent.example.com',
      'access-control-allow-methods': expect.stringContaining('POST'),
      'access-control-allow-headers': expect.stringContaining('authorization'),
    });
    expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
    const refused = await preflight('https://evil.example.net');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();

    const call = await t.app.inject({
      method: 'GET',
      url: '/api/agentkit/functions',
      headers: { origin: 'https://lms.example.edu' },
    });
    expect(call.headers['access-control-allow-origin']).toBe('https://lms.example.edu');
  });
});

describe('configuration', () => {
  const secrets = { AGENTKIT_SECRET: 'a'.repeat(40), SESSION_SECRET: 's'.repeat(40) };

  it('frames by any page in development and by HTTPS pages in production unless FRAME_ANCESTORS says', () => {
    expect(loadConfig({}).http.frameAncestors).toStrictEqual(['*']);
    expect(loadConfig({ NODE_ENV: 'production', ...secrets }).http.frameAncestors).toStrictEqual(["'self'", 'https:']);
    expect(() => loadConfig({ FRAME_ANCESTORS: "'self'; script-src *" })).toThrow(/FRAME_ANCESTORS/);
  });

  it('reads TRUST_PROXY and CORS_ORIGINS as Fastify and the allowlist need them', () => {
    expect(loadConfig({}).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, ::1' }).http.trustProxy).toStrictEqual(['10.0.0.0/8', '::1']);
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.local' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://lms.example.edu/path' })).toThrow(/CORS_ORIGINS/);
  });

  it('refuses TLS_CERT without TLS_KEY, and unreadable files', () => {
    expect(() => loadConfig({ TLS_CERT: '/etc/hostname' })).toThrow(
      /TLS_CERT and TLS_KEY must be set together \(only TLS_CERT is set\)/,
    );
    expect(() => loadConfig({ TLS_CERT: '/nonexistent/cert.pem', TLS_KEY: '/nonexistent/key.pem' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ TLS_CERT: '/nonexistent/cert.pem', TLS_KEY: '/nonexistent/key.pem' })).toThrow(
      /TLS_CERT cannot be read: \/nonexistent\/cert\.pem \(ENOENT\)[\s\S]*TLS_KEY cannot be read/,
    );
  });

  it('has the documented rate limits', () => {
    expect(loadConfig({}).rateLimit).toStrictEqual({
      enabled: true,
      perMinute: 300,
      ipPerMinute: 3000,
      pingPerMinute: 20,
      servicePerMinute: 3000,
      redisPrefix: 'class-assist:rate-limit:',
    });
    expect(loadConfig({ RATE_LIMIT: 'off' }).rateLimit.enabled).toBe(false);
    expect(() => loadConfig({ RATE_LIMIT: 'maybe' })).toThrow(/RATE_LIMIT must be on or off/);
  });
});

describe('over HTTPS (TLS_CERT and TLS_KEY)', () => {
  let certificate: SelfSigned;
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    certificate = selfSignedCertificate();
    t = await buildTestApp({ env: { TLS_CERT: certificate.certFile, TLS_KEY: certificate.keyFile } });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `https://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await t?.close();
    certificate?.remove();
  });

  it('serves HTTPS with HSTS and upgrade-insecure-requests', async () => {
    const answer = await httpsGet(`${base}/healthz`);
    expect(answer.status).toBe(200);
    expect(answer.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(csp(answer.headers['content-security-policy'])['upgrade-insecure-requests']).toStrictEqual([]);
    expect(t.config.publicUrl).toMatch(/^https:\/\/localhost:/);
  });
});
