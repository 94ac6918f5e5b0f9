/**
 * The engine under fuzzing (issue 13): frames mutated from the messages an honest room really sent (and
 * some random ones) go to the decoder and, over one of its links, to a live node of that room. Nothing may
 * throw, nothing invalid may be stored, what the node holds stays bounded by what honest peers wrote, and
 * the honest room still converges afterwards. `npm run fuzz` runs 100,000 frames; the suite runs
 * FUZZ_FRAMES (5,000 by default). A failure prints the frame and its index: add it to REGRESSIONS.
 */
import { describe, expect, it } from 'vitest';
import { PERFECT_LINKS } from '../../src/net/memoryNetwork.ts';
import { decodeEvent, decodeMessage, mutateFrame, randomFrame, seededRng, signedBytesOf, randomInt, type Input } from '../../src/index.ts';
import { ADMIN, keyPairFor, makeNode, makeRoom, nodeVerify } from '../helpers.ts';

const FRAMES = Number(process.env.FUZZ_FRAMES ?? 5_000);
const SEED = Number(process.env.FUZZ_SEED ?? 1337);
/** Frames that once broke something, fed first on every run. None yet. */
const REGRESSIONS: readonly string[] = [];

describe('fuzzing the engine', () => {
  it(`${FRAMES} mutated and random frames: no throw, nothing invalid stored, memory bounded, the room converges`, () => {
    const room = makeRoom(4, SEED, PERFECT_LINKS);
    const corpus: string[] = [];
    const input = room.net.input.bind(room.net);
    // Every message the honest room sends is a seed for mutations: all kinds the engine really exchanges.
    room.net.input = (name: string, given: Input) => {
      if (given.type === 'message' && corpus.length < 5_000) corpus.push(given.data);
      return input(name, given);
    };
    room.net.runFor(200);
    for (let i = 0; i < 30; i++) room.write(room.peers[i % 4]!, `honest ${i}`);
    room.net.input('p1', { type: 'write', kind: 'transfer', body: { from: 'fund', to: 'alice', amount: 5, memo: 'seed' } });
    room.switchMode('p0', 'hybrid');
    room.net.runFor(500);
    room.switchMode('p0', 'p2p');
    room.net.runFor(3_000);
    room.net.input = input;
    expect(corpus.length).toBeGreaterThan(50);

    const victim = room.net.nodes.get('p0')!;
    const rng = seededRng(SEED);
    const crashes: string[] = [];
    let decodedOk = 0;
    const frames = [...REGRESSIONS, ...Array.from({ length: FRAMES }, (_, i) => (i % 10 === 9 ? randomFrame(rng) : mutateFrame(corpus[randomInt(rng, corpus.length)]!, rng)))];
    // Frames come over p3's link, as if p3 had turned hostile. When the victim bans the key (it floods or
    // lies), a new hostile peer takes its place, so every frame reaches the victim's decoder and node.
    let attacker = 'p3';
    const hostile: string[] = [];
    const hostileLink = (): string => {
      if (room.net.connected('p0', attacker)) return attacker;
      room.net.connect('p0', 'direct', attacker, 'direct');
      if (room.net.connected('p0', attacker)) return attacker;
      attacker = `hostile${hostile.length}`;
      hostile.push(attacker);
      room.net.add(attacker, makeNode(attacker, { server: keyPairFor('server').publicKey }));
      room.net.connect('p0', 'direct', attacker, 'direct');
      return attacker;
    };
    const rejectedBefore = Object.values(victim.stats().rejections).reduce((a, b) => a + b, 0);
    frames.forEach((frame, i) => {
      try {
        if (decodeMessage(frame).ok) decodedOk++;
        room.net.input('p0', { type: 'message', link: hostileLink(), data: frame });
      } catch (error) {
        crashes.push(`frame ${i} (${String(error)}): ${frame.slice(0, 300)}`);
      }
      if (i % 250 === 249) {
        // A link the victim refused (a hello of another major version) reads nothing more: a fresh one does.
        room.net.disconnect('p0', attacker);
        room.write(room.peers[1 + (i % 3)]!, `honest during fuzz ${i}`);
        room.net.runFor(50);
      }
    });
    if (process.env.FUZZ_VERBOSE) console.log({ frames: frames.length, corpus: corpus.length, decodedOk, hostile: hostile.length, rejections: victim.stats().rejections });
    expect(crashes).toEqual([]);
    const rejected = Object.values(victim.stats().rejections).reduce((a, b) => a + b, 0) - rejectedBefore;
    // Most mutations break a message, and the victim says so; a few stay valid (a value still in range).
    expect(rejected).toBeGreaterThan(FRAMES / 10);
    expect(decodedOk).toBeLessThan(frames.length);

    for (const name of hostile) room.net.remove(name);
    if (!room.net.connected('p0', 'p3')) room.net.connect('p0', 'direct', 'p3', 'direct');
    room.write('p0', 'after the fuzz');
    room.net.runFor(20_000);
    expect(room.converged()).toBe(true);

    // Nothing invalid was stored: every event decodes, is signed by its author, and comes from a room key.
    const keys = new Set([...room.peers.map((name) => keyPairFor(name).publicKey), ADMIN.publicKey, keyPairFor('server').publicKey]);
    for (const { event } of victim.store.events()) {
      expect(decodeEvent(event).ok).toBe(true);
      expect(keys.has(event.author)).toBe(true);
      expect(nodeVerify({ id: 'fuzz', publicKey: event.author, message: signedBytesOf(event), signature: event.sig })).toBe(true);
    }
    // Bounded: the victim holds what honest peers hold, not a copy of what the fuzzer sent.
    expect(victim.store.size).toBe(room.net.nodes.get('p1')!.store.size);
  }, 30_000 + FRAMES / 2);
});
