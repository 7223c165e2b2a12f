/** A test ToolSigner: an RS256 key pair of its own, as the LTI core's signer would hold the tool's key. */
import { type CryptoKey, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import type { ToolSigner } from '../../src/lti/services/types.js';

export interface TestSigner extends ToolSigner {
  publicKey: CryptoKey;
}

export async function createTestSigner(kid = 'test-tool-key-1'): Promise<TestSigner> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  return {
    kid,
    publicKey,
    sign(payload: JWTPayload, header: { typ?: string } = {}) {
      return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid, ...header }).sign(privateKey);
    },
  };
}
