/**
 * Node's native Ed25519 (OpenSSL through `node:crypto`): the server's authority node and the bot peers
 * sign with it synchronously — so their engines sign inline, as in the tests — and verify on libuv's
 * thread pool. Reached as `@peerlab/shared/node`, never from the browser bundle.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { fromHex } from '../engine/encoding.ts';
import type { Signer, Verifier, VerifyRequest } from '../ports/ports.ts';
import type { CryptoSuite } from './cryptoSuite.ts';
import { pkcs8Of, spkiOf } from './ed25519Keys.ts';
import { passesStrictRules } from './strictRules.ts';
import type { KeyPair } from './tweetnaclSigner.ts';

/** Public keys parsed once and kept: most events come from a few authors. Bounded so it cannot grow without end. */
const KEY_CACHE_LIMIT = 4096;

export function nodeCryptoSigner(pair: KeyPair): Signer {
  const key = createPrivateKey({ key: Buffer.from(pkcs8Of(pair)), format: 'der', type: 'pkcs8' });
  return { publicKey: pair.publicKey, sign: (message) => new Uint8Array(sign(null, message, key)) };
}

const publicKeys = new Map<string, KeyObject | undefined>();

function publicKeyObject(publicKey: string): KeyObject | undefined {
  if (publicKeys.has(publicKey)) return publicKeys.get(publicKey);
  if (publicKeys.size >= KEY_CACHE_LIMIT) publicKeys.clear();
  let key: KeyObject | undefined;
  try {
    key = createPublicKey({ key: Buffer.from(spkiOf(publicKey)), format: 'der', type: 'spki' });
  } catch {
    key = undefined;
  }
  publicKeys.set(publicKey, key);
  return key;
}

export function nodeCryptoVerify(request: VerifyRequest): boolean {
  try {
    if (!passesStrictRules(request.publicKey, request.signature)) return false;
    const key = publicKeyObject(request.publicKey);
    return key !== undefined && verify(null, request.message, key, fromHex(request.signature));
  } catch {
    return false;
  }
}

export const nodeCryptoVerifier: Verifier = {
  name: 'node:crypto',
  verifyBatch: async (requests) => requests.map(nodeCryptoVerify),
};

/** One check in libuv's thread pool (node:crypto's callback form): the event loop only hands it over. */
function verifyInPool(request: VerifyRequest): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      const key = passesStrictRules(request.publicKey, request.signature) ? publicKeyObject(request.publicKey) : undefined;
      if (!key) resolve(false);
      else verify(null, request.message, key, fromHex(request.signature), (error, ok) => resolve(error === null && ok));
    } catch {
      resolve(false);
    }
  });
}

/**
 * The server's and bots' verifier: checks run on the thread pool, in parallel, while the event loop
 * serves sockets. Measured against the synchronous form and WebCrypto in Node (`npm run bench:crypto`):
 * about twice the synchronous form's checks a second on this machine's two cores, and the least
 * event-loop time a check (~50 µs against ~70 for WebCrypto and ~370 for the synchronous form).
 */
export const nodeCryptoPoolVerifier: Verifier = {
  name: 'node:crypto (thread pool)',
  verifyBatch: (requests) => Promise.all(requests.map(verifyInPool)),
};

export function nodeCryptoSuite(): CryptoSuite {
  return { name: 'node:crypto', why: 'native Ed25519 (OpenSSL), checks on the thread pool', verifier: nodeCryptoPoolVerifier, signer: nodeCryptoSigner };
}
