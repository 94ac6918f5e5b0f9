/** Test fixtures: fast node:crypto signing and verification (tweetnacl stays the reference, tested apart). */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { fromHex, hasFeature, keyPairFromSeed, PeerlabNode, reportSigningBytes, seededRng, MemoryNetwork, toHex, type KeyPair, type LinkFaults, type Mode, type NodeComponents, type Signer, type TelemetryReport, type VerifyRequest } from '../src/index.ts';

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

export function keyPairFor(label: string): KeyPair {
  const seed = new Uint8Array(32);
  const text = new TextEncoder().encode(label);
  seed.set(text.subarray(0, 32));
  return keyPairFromSeed(seed);
}

export function nodeSigner(pair: KeyPair): Signer {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, Buffer.from(fromHex(pair.secretKey).subarray(0, 32))]), format: 'der', type: 'pkcs8' });
  return { publicKey: pair.publicKey, sign: (message) => new Uint8Array(sign(null, message, key)) };
}

const publicKeys = new Map<string, KeyObject>();
export function nodeVerify(request: VerifyRequest): boolean {
  let key = publicKeys.get(request.publicKey);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, Buffer.from(request.publicKey, 'hex')]), format: 'der', type: 'spki' });
    publicKeys.set(request.publicKey, key);
  }
  try {
    return verify(null, request.message, key, Buffer.from(request.signature, 'hex'));
  } catch {
    return false;
  }
}

export const ADMIN = keyPairFor('room admin');

export function makeNode(label: string, overrides: Partial<NodeComponents> = {}): PeerlabNode {
  return new PeerlabNode({
    room: 'lab',
    role: 'peer',
    signer: nodeSigner(keyPairFor(label)),
    rng: seededRng(label.length * 7919 + label.charCodeAt(0)),
    admin: ADMIN.publicKey,
    ...overrides,
  });
}

export interface Room {
  readonly net: MemoryNetwork;
  readonly peers: string[];
  write(peer: string, text: string): void;
  switchMode(peer: string, mode: Mode): void;
  digests(): string[];
  converged(names?: readonly string[]): boolean;
}

/**
 * A room of peers and one server node over the in-memory network. Links follow the mode like the real
 * drivers do: peers are fully meshed with `direct` links (p2p, hybrid) and each has a `server` link.
 */
export function makeRoom(peerCount: number, seed: number, faults: LinkFaults): Room {
  const net = new MemoryNetwork(seededRng(seed), nodeVerify, faults);
  net.add('server', new PeerlabNode({ room: 'lab', role: 'server', signer: nodeSigner(keyPairFor('server')), rng: seededRng(seed + 1), admin: ADMIN.publicKey }));
  const peers = Array.from({ length: peerCount }, (_, i) => `p${i}`);
  for (const name of peers) {
    net.add(name, new PeerlabNode({ room: 'lab', role: 'peer', signer: nodeSigner(keyPairFor(name)), rng: seededRng(seed * 31 + name.length + Number(name.slice(1))), admin: ADMIN.publicKey, server: keyPairFor('server').publicKey }));
    net.connect(name, 'server', 'server', 'client');
    // As the real server does on join: a membership certificate for the key.
    net.input('server', { type: 'admit', peer: net.nodes.get(name)!.id });
  }
  for (let i = 0; i < peers.length; i++) for (let j = i + 1; j < peers.length; j++) net.connect(peers[i]!, 'direct', peers[j]!, 'direct');
  const admin = nodeSigner(ADMIN);
  let counter = 0;
  return {
    net,
    peers,
    write: (peer, text) => void net.input(peer, { type: 'write', kind: 'chat', body: { text: `${text} #${counter++}`, name: peer } }),
    switchMode: (peer, mode) => void net.input(peer, { type: 'switchMode', mode, admin }),
    digests: () => peers.map((name) => net.nodes.get(name)!.store.digest()),
    converged(names = peers) {
      const digests = names.map((name) => net.nodes.get(name)!.store.digest());
      return digests.every((digest) => digest === digests[0]);
    },
  };
}

/** Events a node holds, not counting the server's membership certificates (one per peer). */
export function heldExceptAdmissions(node: PeerlabNode): number {
  let count = 0;
  for (const stored of node.store.events()) if (stored.event.kind !== 'admit') count++;
  return count;
}

const zero = { sentMessages: 0, sentBytes: 0, receivedMessages: 0, receivedBytes: 0 };

/** A telemetry report of the peer labelled `label` (its key is keyPairFor(label)). */
export function reportOf(label: string, seq: number, extra: Partial<TelemetryReport> = {}): TelemetryReport {
  return {
    peer: keyPairFor(label).publicKey,
    name: label,
    seq,
    at: 1000 * seq,
    observer: false, periodMs: 1000,
    mode: 'p2p',
    digest: 'abc',
    events: 1,
    pending: 0,
    traffic: { server: zero, direct: zero, relay: zero },
    rejections: {},
    links: [],
    vv: {},
    ...extra,
  };
}

/** A report's wire message signed by `signer` for `room`; by default its origin's key (keyPairFor(name), as reportOf builds it). */
export function reportMessage(report: TelemetryReport, signer = nodeSigner(keyPairFor(report.name)), room = 'lab'): string {
  return JSON.stringify({ t: 'report', report, sig: toHex(signer.sign(reportSigningBytes(room, report))) });
}

/** A node's own report as a peer builds it (its real links, version vector and counters; client/telemetryReport.ts). */
export function reportFrom(node: PeerlabNode, name: string, seq: number, periodMs: number): TelemetryReport {
  const stats = node.stats();
  const totals = (kind: 'server' | 'direct' | 'relay') => ({ sentMessages: stats.sent[kind].messages, sentBytes: stats.sent[kind].bytes, receivedMessages: stats.received[kind].messages, receivedBytes: stats.received[kind].bytes });
  const links = [...node.links().values()].flatMap((link) => (link.peer !== undefined && link.kind !== 'client' ? [{ peer: link.peer, kind: link.kind }] : []));
  return {
    peer: node.id,
    name,
    seq,
    at: seq,
    observer: false,
    periodMs,
    mode: node.mode,
    digest: node.store.digest(),
    events: node.store.size,
    pending: node.pendingCount,
    traffic: { server: totals('server'), direct: totals('direct'), relay: totals('relay') },
    rejections: {},
    links,
    vv: node.store.versionVector(),
    ...(hasFeature(node.protocol, 'versioned-report') ? { protocol: `${node.protocol.major}.${node.protocol.minor}`, unknown: 0 } : {}),
  };
}
