import { describe, expect, it } from 'vitest';
import { DEFAULT_FLOOD_CONFIG, FORGED_MARK, TAMPERED_MARK, type RejectionReason } from '@peerlab/shared';
import { Attacker, type AttackPort } from '../src/lib/attack/attacker.ts';
import { baselineOf, outcomeSince, rise } from '../src/lib/attack/attackResults.ts';
import { PERFECT_LINKS } from '../../shared/src/net/memoryNetwork.ts';
import { keyPairFor, makeRoom, nodeSigner } from '../../shared/test/helpers.ts';

/**
 * The attacker against real engines: a room of four over the in-memory network, p3 attacking. Its raw
 * sends arrive at the receiving node over the link named after p3, as a data channel would deliver them.
 */
function attackRoom() {
  const room = makeRoom(4, 5, PERFECT_LINKS);
  room.net.runFor(100);
  room.write('p0', 'hello from p0');
  room.net.runFor(100);
  const net = room.net;
  const port: AttackPort = {
    node: net.nodes.get('p3')!,
    signer: nodeSigner(keyPairFor('p3')),
    name: 'p3',
    sendRaw: (link, data) => {
      if (!net.connected('p3', link)) return false;
      net.input(link, { type: 'message', link: 'p3', data });
      return true;
    },
    keepOwn: (event) => void net.input('p3', { type: 'restore', events: [{ event }] }),
    serverRefusals: () => ({}),
    declines: () => 0,
    offer: () => undefined,
  };
  const honest = ['p0', 'p1', 'p2'];
  const counted = (reason: RejectionReason) => honest.map((name) => net.nodes.get(name)!.stats().rejections[reason]);
  const shown = () => honest.flatMap((name) => [...net.nodes.get(name)!.store.events()].map((stored) => JSON.stringify(stored.event.body)));
  return { room, net, attacker: new Attacker(port), honest, counted, shown };
}

describe('Attacker over real engines', () => {
  it('forge and tamper reach every peer link of a p2p room and fail the signature check there', () => {
    const { room, attacker, honest, counted, shown } = attackRoom();
    const forged = attacker.forge();
    expect(forged.parts).toEqual([expect.objectContaining({ sent: 3, links: 3, expect: 'bad_signature' })]); // the server link carries no data in p2p
    const tampered = attacker.tamper();
    expect(tampered.parts).toEqual([expect.objectContaining({ sent: 3, expect: 'bad_signature' })]);
    room.net.runFor(100);
    expect(counted('bad_signature')).toEqual([2, 2, 2]);
    expect(shown().some((body) => body.includes(FORGED_MARK) || body.includes(TAMPERED_MARK))).toBe(false);
    expect(room.converged(honest)).toBe(true);
  });

  it('replay: the exact copy is deduplicated, the promoted mode switch is bad_epoch, the other room’s event wrong_room', () => {
    const { room, attacker, counted } = attackRoom();
    room.switchMode('p0', 'hybrid');
    room.net.runFor(200);
    room.switchMode('p0', 'p2p');
    room.net.runFor(200);
    const run = attacker.replay();
    expect(run.parts.map((part) => part.expect)).toEqual(['duplicate', 'bad_epoch', 'wrong_room']);
    room.net.runFor(100);
    expect(counted('bad_epoch')).toEqual([1, 1, 1]);
    expect(counted('wrong_room')).toEqual([1, 1, 1]);
    expect(room.net.nodes.get('server')!.stats().rejections.bad_epoch).toBe(1); // control events go to the server too
    for (const name of ['p0', 'p1', 'p2']) expect(room.net.nodes.get(name)!.mode).toBe('p2p');
  });

  it('equivocate: each half gets one version; every peer ends with the proof, and the attacker’s next write moves past it', () => {
    const { room, attacker, honest } = attackRoom();
    const run = attacker.equivocate();
    expect(run.parts.map((part) => part.sent)).toEqual([2, 1]);
    room.net.runFor(3_000);
    for (const name of honest) expect(room.net.nodes.get(name)!.store.equivocations).toHaveLength(1);
    expect(room.converged(honest)).toBe(true);
    const p3 = room.net.nodes.get('p3')!;
    const seq = room.net.nodes.get('p0')!.store.equivocations[0]!.seq;
    room.write('p3', 'honest again');
    expect(p3.store.highestSeq(p3.id)).toBe(seq + 1);
  });

  it('flood: every victim drops the flooder’s link as flooding and bans it; the flood stops on its own', async () => {
    const { room, net, attacker, counted } = attackRoom();
    const run = await attacker.flood(20_000, () => performance.now(), () => undefined);
    expect(run.flood!.targets.map((target) => target.closedAfterMs !== undefined)).toEqual([true, true, true]);
    for (const target of run.flood!.targets) expect(target.sent).toBeLessThan(20_000);
    expect(counted('rate_limited').every((count) => count >= DEFAULT_FLOOD_CONFIG.dropAfterRefusals)).toBe(true);
    const p3 = keyPairFor('p3').publicKey;
    for (const name of ['p0', 'p1', 'p2']) {
      expect(net.nodes.get(name)!.isBanned(p3)).toBe(true);
      expect(net.connected(name, 'p3')).toBe(false);
    }
    expect(room.converged(['p0', 'p1', 'p2'])).toBe(true);
  });
});

describe('attack results', () => {
  const row = (peer: string, seq: number, rejections: Record<string, number>) => ({ peer, report: { seq, rejections } });

  it('rise keeps only the counters that went up', () => {
    expect(rise({ a: 1, b: 5 }, { a: 3, b: 5, c: 2 })).toEqual({ a: 2, c: 2 });
  });

  it('sums the victims’ rises since the start, leaves this page and unknown peers out, and counts fresh reports', () => {
    const baseline = baselineOf([row('me', 4, { schema: 9 }), row('v1', 10, { bad_signature: 1 }), row('v2', 7, {})], 'me', { rate_limited: 1 });
    const later = [row('me', 5, { schema: 20 }), row('v1', 11, { bad_signature: 2, wrong_room: 1 }), row('v2', 7, {}), row('v3', 1, { bad_signature: 5 })];
    expect(outcomeSince(baseline, later, { rate_limited: 3, bad_epoch: 1 })).toEqual({
      victims: { bad_signature: 1, wrong_room: 1 },
      server: { rate_limited: 2, bad_epoch: 1 },
      reporting: 1,
      known: 2,
    });
  });
});
