/** HTTPS served directly: the PEM certificate and key of TLS_CERT and TLS_KEY, checked before the server starts. */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, type TlsFiles } from '../config.js';

/** Reads and checks the files; a ConfigError says which one is unreadable or not PEM. */
export function readTls({ certFile, keyFile }: TlsFiles): { cert: Buffer; key: Buffer } {
  const read = (name: string, file: string, check: (pem: Buffer) => unknown, what: string) => {
    let pem: Buffer;
    try {
      pem = readFileSync(file);
    } catch (err) {
      throw new ConfigError(`${name} cannot be read: ${file} (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
    try {
      check(pem);
    } catch {
      throw new ConfigError(`${name} is not ${what}: ${file}`);
    }
    return pem;
  };
  return {
    cert: read('TLS_CERT', certFile, (pem) => new X509Certificate(pem), 'a PEM certificate'),
    key: read('TLS_KEY', keyFile, (pem) => createPrivateKey(pem), 'a PEM private key'),
  };
}
