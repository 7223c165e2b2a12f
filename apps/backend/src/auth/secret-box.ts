/**
 * Secrets at rest (the LTI tool's private keys, LMS API tokens): AES-256-GCM with a key derived from SESSION_SECRET
 * by HKDF for one purpose, and additional authenticated data binding the ciphertext to its row (a kid, a course id),
 * so a sealed value copied to another row does not open. Format: `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** A 32-byte key for `purpose` (e.g. "lti-private-key-encryption"), derived from the session secret. */
export function deriveKey(sessionSecret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', sessionSecret, 'class-assist', purpose, 32));
}

export function seal(key: Buffer, aad: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), ciphertext]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** The plaintext of `sealed`; throws `what` in a message that says why it cannot be opened. */
export function open(key: Buffer, aad: string, sealed: string, what: string): string {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || !ciphertext) throw new Error(`${what}: unknown encryption format`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(`${what} cannot be decrypted: was SESSION_SECRET changed?`);
  }
}
