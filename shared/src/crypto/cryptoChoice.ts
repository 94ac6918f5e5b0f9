/**
 * The browser's chooser: WebCrypto's native Ed25519 where the page has it and it reproduces RFC 8032's
 * TEST 1; else @noble/ed25519, synchronous, several times faster than tweetnacl; tweetnacl only where
 * neither works (no BigInt). An insecure context (plain http on a LAN address) has no `crypto.subtle`.
 */
import { fromHex, toHex } from '../engine/encoding.ts';
import { nobleSigner, nobleVerify } from './nobleEd25519.ts';
import { nobleSuite, tweetnaclSuite, withFallback, type CryptoSuite } from './cryptoSuite.ts';
import { RFC8032_VECTORS } from './rfc8032.ts';
import { keyPairFromSeed } from './tweetnaclSigner.ts';
import { webCryptoSigner } from './webCryptoSigner.ts';
import { webCryptoVerifier } from './webCryptoVerifier.ts';

/** What the chooser reads of the page: its `crypto.subtle` (absent in an insecure context) and whether it is secure. */
export interface CryptoPlatform {
  readonly subtle: SubtleCrypto | undefined;
  readonly secureContext: boolean;
}

export function pagePlatform(): CryptoPlatform {
  return { subtle: globalThis.crypto?.subtle, secureContext: globalThis.isSecureContext !== false };
}

const PROBE = RFC8032_VECTORS[0]!;

/** Undefined when WebCrypto signs TEST 1 exactly and verifies it; else what went wrong. */
async function probeWebCrypto(subtle: SubtleCrypto): Promise<string | undefined> {
  try {
    const pair = keyPairFromSeed(fromHex(PROBE.seed));
    const [signature] = await webCryptoSigner(pair, subtle).signBatch([fromHex(PROBE.message)]);
    if (!signature || toHex(signature) !== PROBE.signature) return 'its Ed25519 disagrees with RFC 8032';
    const [ok] = await webCryptoVerifier(subtle).verifyBatch([{ id: 'probe', publicKey: PROBE.publicKey, message: fromHex(PROBE.message), signature: PROBE.signature }]);
    return ok ? undefined : 'its Ed25519 refuses RFC 8032';
  } catch (error: unknown) {
    return `no Ed25519 in WebCrypto (${error instanceof Error ? error.name : 'error'})`;
  }
}

/** Whether @noble/ed25519 runs here and reproduces TEST 1 (it needs BigInt). */
function nobleWorks(): boolean {
  try {
    const pair = keyPairFromSeed(fromHex(PROBE.seed));
    const message = fromHex(PROBE.message);
    return toHex(nobleSigner(pair).sign(message)) === PROBE.signature && nobleVerify({ id: 'probe', publicKey: PROBE.publicKey, message, signature: PROBE.signature });
  } catch {
    return false;
  }
}

function javascriptSuite(why: string): CryptoSuite {
  return nobleWorks() ? nobleSuite(why) : tweetnaclSuite(`${why}; @noble/ed25519 does not run here`);
}

export async function chooseBrowserCrypto(platform: CryptoPlatform = pagePlatform()): Promise<CryptoSuite> {
  const { subtle } = platform;
  if (!subtle) return javascriptSuite(platform.secureContext ? 'no crypto.subtle in this browser' : 'insecure context: no crypto.subtle');
  const problem = await probeWebCrypto(subtle);
  if (problem !== undefined) return javascriptSuite(problem);
  const verifier = webCryptoVerifier(subtle);
  return {
    name: 'webcrypto',
    why: 'native Ed25519 in WebCrypto',
    verifier,
    signer: (pair) => withFallback(webCryptoSigner(pair, subtle), nobleSigner(pair)),
  };
}
