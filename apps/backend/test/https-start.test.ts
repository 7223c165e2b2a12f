/** `npm start` serving HTTPS itself when TLS_CERT and TLS_KEY are set, and refusing to start with only one of them. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { freePort, type ServerProcess, startServer, waitFor } from './helpers/process.js';
import { httpsGet, selfSignedCertificate } from './helpers/tls.js';

describe('HTTPS directly', () => {
  const certificate = selfSignedCertificate();
  // Development secrets are generated into DATA_DIR: a temporary one, never the checkout's .data.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'class-assist-https-'));
  const running: ServerProcess[] = [];
  let database: TestDatabase | undefined;
  afterAll(async () => {
    for (const server of running) {
      if (server.child.exitCode === null) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    }
    await database?.drop();
    certificate.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves /healthz over HTTPS with a self-signed certificate', async () => {
    database = await createTestDatabase();
    const port = await freePort();
    const server = startServer({
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      PORT: String(port),
      TLS_CERT: certificate.certFile,
      TLS_KEY: certificate.keyFile,
    });
    running.push(server);
    await waitFor(
      () => server.stdout().includes('Class Assist is ready') || server.child.exitCode !== null,
      60_000,
      'start',
    );
    expect(server.child.exitCode, server.stderr()).toBeNull();
    expect(server.stdout()).toContain(`https://localhost:${port}`);
    const answer = await httpsGet(`https://127.0.0.1:${port}/healthz`);
    expect(answer.status).toBe(200);
    expect(answer.headers['strict-transport-security']).toBeDefined();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 90_000);

  it('refuses to start with only TLS_CERT, or a file it cannot read, and says so', async () => {
    const half = startServer({ DATA_DIR: dataDir, PORT: String(await freePort()), TLS_CERT: certificate.certFile });
    running.push(half);
    expect(await half.exited).toBe(1);
    expect(half.stderr()).toContain('TLS_CERT and TLS_KEY must be set together (only TLS_CERT is set)');

    const missing = startServer({
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      TLS_CERT: certificate.certFile,
      TLS_KEY: '/nonexistent/class-assist-key.pem',
    });
    running.push(missing);
    expect(await missing.exited).toBe(1);
    expect(missing.stderr()).toContain('TLS_KEY cannot be read: /nonexistent/class-assist-key.pem (ENOENT)');
  });
});
