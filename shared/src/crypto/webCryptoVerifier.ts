/**
 * Native Ed25519 verification through WebCrypto (`crypto.subtle`), present in Chromium and in Node 20.
 * About 19,000 checks a second in Chromium against tweetnacl's ~80. Falls back to tweetnacl where the
 * platform lacks Ed25519. Uses only the global `crypto`, so the same file serves browser and server.
 */
import { fromHex } from '../engine/encoding.ts';
import type { Verifier, VerifyRequest } from '../ports/ports.ts';
import { tweetnaclVerifier } from './tweetnaclSigner.ts';

/** Imported keys kept for reuse: most events come from a few authors. Bounded so it cannot grow without end. */
const KEY_CACHE_LIMIT = 4096;

function asBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export async function webCryptoVerifier(): Promise<Verifier> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return tweetnaclVerifier;
  try {
    const probe = await subtle.importKey('raw', asBuffer(new Uint8Array(32).fill(1)), { name: 'Ed25519' }, false, ['verify']);
    void probe;
  } catch {
    return tweetnaclVerifier;
  }
  const keys = new Map<string, Promise<CryptoKey | undefined>>();
  const keyFor = (publicKey: string): Promise<CryptoKey | undefined> => {
    let key = keys.get(publicKey);
    if (!key) {
      if (keys.size >= KEY_CACHE_LIMIT) keys.clear();
      key = subtle.importKey('raw', asBuffer(fromHex(publicKey)), { name: 'Ed25519' }, false, ['verify']).catch(() => undefined);
      keys.set(publicKey, key);
    }
    return key;
  };
  const verifyOne = async (request: VerifyRequest): Promise<boolean> => {
    try {
      const key = await keyFor(request.publicKey);
      if (!key) return false;
      return await subtle.verify({ name: 'Ed25519' }, key, asBuffer(fromHex(request.signature)), asBuffer(request.message));
    } catch {
      return false;
    }
  };
  return { name: 'webcrypto', verifyBatch: (requests) => Promise.all(requests.map(verifyOne)) };
}
