import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_OVERLAY, type Member, type Mode } from '@peerlab/shared';
import { CONNECT_TIMEOUT_MS, type RtcImplementation, type SimplePeerConstructor, type SimplePeerInstance } from '../src/lib/transport/webrtcMesh.ts';
import { DIRECT_RETRY_MS, peerLinkId, RELAY_NEED_MS } from '../src/lib/session/linkPolicy.ts';
import { MemberRoster } from '../src/lib/session/memberRoster.ts';
import { PeerLinks, type LinkEffect } from '../src/lib/session/peerLinks.ts';
import { scriptedSimplePeer } from './scriptedSimplePeer.ts';

const SELF = '0'.repeat(64);
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

/** A simple-peer that never connects: every attempt times out (or is torn down). */
function stalledSimplePeer(): { SimplePeer: SimplePeerConstructor; created: () => number } {
  let created = 0;
  class Stalled {
    static readonly WEBRTC_SUPPORT = true;
    readonly bufferSize = 0;
    constructor() {
      created++;
    }
    signal(): void {}
    send(): void {}
    destroy(): void {}
    on(): this {
      return this;
    }
  }
  return { SimplePeer: Stalled as unknown as SimplePeerConstructor & (new () => SimplePeerInstance), created: () => created };
}

/** No RTCPeerConnection here (Node without wrtc): every attempt fails at once with `webrtc-unavailable`. */
const NO_WEBRTC: RtcImplementation = { SimplePeer: stalledSimplePeer().SimplePeer };

function setup(options: { mode?: Mode; rtc?: RtcImplementation; now?: () => number } = {}) {
  const node = { mode: options.mode ?? 'hybrid', epoch: 1, acceptsDirectLink: () => true };
  const server = { joined: true, relay: vi.fn(), signal: vi.fn() };
  const roster = new MemberRoster(SELF);
  /** Effects of the mesh's own events (timeouts, retries), as the driver would get them. */
  const emitted: LinkEffect[][] = [];
  const links = new PeerLinks({ self: SELF, iceServers: [], rtc: options.rtc ?? NO_WEBRTC, degree: DEFAULT_OVERLAY, node, server, roster, emit: (effects) => emitted.push([...effects]), ...(options.now ? { now: options.now } : {}) });
  const list = (...peers: string[]) => links.rosterChanged(roster.update(peers.map((peer): Member => ({ peer, name: peer.slice(0, 1), version: 1 }))));
  return { node, server, roster, links, emitted, list };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('peer links', () => {
  it('hybrid: a pair whose direct attempt cannot be made talks over the relay, with the reason', () => {
    const { links, server, list, node, emitted } = setup();
    list(A);
    expect(links.reconcile()).toEqual([]); // enables the mesh
    // The attempt fails at once: its effects are returned by the call that caused them, not emitted.
    expect(links.connect(A)).toEqual([
      { type: 'connectFailed', peer: A },
      { type: 'linkUp', link: peerLinkId(A), kind: 'relay', peer: A },
    ]);
    expect(emitted).toEqual([]);
    expect(server.signal).toHaveBeenCalledWith(A, expect.stringContaining('webrtc-unavailable')); // the other side is told why
    expect(links.view(A)).toEqual({ link: 'relay', reason: 'webrtc-unavailable' });
    links.send(A, 'hello');
    expect(server.relay).toHaveBeenCalledWith(A, 'hello', true); // no direct link: this peer is alone on the relay

    node.mode = 'p2p'; // no relay in p2p: the pair is unlinked, its failure still shown
    expect(links.reconcile()).toEqual([{ type: 'linkDown', link: peerLinkId(A) }]);
    expect(links.view(A)).toEqual({ link: 'none', reason: 'webrtc-unavailable' });
  });

  it('what the mesh does on its own (a timeout) reaches the driver through emit, once', () => {
    vi.useFakeTimers();
    const stalled = stalledSimplePeer();
    const { links, list, emitted } = setup({ rtc: { SimplePeer: stalled.SimplePeer, wrtc: {} } });
    list(A);
    links.reconcile();
    expect(links.connect(A)).toEqual([]);
    expect(emitted).toEqual([]);
    vi.advanceTimersByTime(CONNECT_TIMEOUT_MS);
    expect(emitted).toEqual([
      [
        { type: 'connectFailed', peer: A },
        { type: 'linkUp', link: peerLinkId(A), kind: 'relay', peer: A },
      ],
    ]);
    links.close();
  });

  it('a member that leaves the roster loses its relay link and its failure', () => {
    const { links, list } = setup();
    list(A);
    links.reconcile();
    links.connect(A);
    list();
    expect(links.reconcile()).toEqual([{ type: 'linkDown', link: peerLinkId(A) }]);
    expect(links.view(A)).toEqual({ link: 'none' });
  });

  it('a relayed message from an unlinked member opens the relay link first; a dropped link carries nothing', () => {
    const { links, server } = setup();
    expect(links.relayed(B, 'hi')).toEqual([
      { type: 'linkUp', link: peerLinkId(B), kind: 'relay', peer: B },
      { type: 'message', link: peerLinkId(B), data: 'hi' },
    ]);
    expect(links.relayed(B, 'again')).toEqual([{ type: 'message', link: peerLinkId(B), data: 'again' }]);
    // The engine refuses the link (a key banned for flooding): the driver performs its `drop`.
    links.drop(peerLinkId(B));
    expect(links.send(B, 'lost')).toBe(false);
    expect(server.relay).not.toHaveBeenCalled();
    expect(links.view(B)).toEqual({ link: 'none' });
  });

  it('p2p: relayed messages are not taken (no relay links in the mode)', () => {
    const { links } = setup({ mode: 'p2p' });
    expect(links.relayed(B, 'hi')).toEqual([]);
  });

  it('links the overlay asks for before the store reaches the epoch it joined at start once it does', () => {
    const { links, list, node, server } = setup();
    list(A);
    links.joinedAt(3);
    links.reconcile();
    expect(links.connect(A)).toEqual([]); // the mesh stays disabled: nothing is attempted yet
    expect(server.signal).not.toHaveBeenCalled();
    node.epoch = 3;
    // No second `connect`: the deferred attempt is made (and here fails at once, to the relay).
    expect(links.reconcile().map((effect) => effect.type)).toEqual(['connectFailed', 'linkUp']);
    expect(server.signal).toHaveBeenCalledTimes(1);
  });

  it('p2p: a link the overlay asks for before any reconcile (its first round runs on the roster) is attempted at once', () => {
    const stalled = stalledSimplePeer();
    const { links, list } = setup({ mode: 'p2p', rtc: { SimplePeer: stalled.SimplePeer, wrtc: {} } });
    list(A, B);
    links.connect(A);
    links.connect(B);
    // Before the fix the mesh, not yet enabled, ignored both and the overlay waited 10 s for each slot.
    expect(stalled.created()).toBe(2);
  });

  it('a mode without a mesh forgets the attempts that waited for it', () => {
    const { links, list, node, server } = setup();
    list(A);
    links.joinedAt(3);
    links.reconcile();
    links.connect(A);
    node.mode = 'client-server';
    node.epoch = 3;
    expect(links.reconcile()).toEqual([]);
    node.mode = 'hybrid';
    expect(links.reconcile()).toEqual([]);
    expect(server.signal).not.toHaveBeenCalled();
  });

  it('away (churn): links asked for wait for the rejoin, and go only to members still listed', () => {
    const { links, list, server } = setup();
    list(A, B);
    links.suspended = true;
    links.reconcile();
    links.connect(A);
    links.connect(B);
    expect(server.signal).not.toHaveBeenCalled();
    links.suspended = false;
    list(A);
    links.reconcile();
    expect(server.signal.mock.calls.map(([to]) => to)).toEqual([A]);
  });

  it('hybrid, meshed: a channel that closes leaves no relay behind, and a leftover relayed message opens none', () => {
    const rtc = scriptedSimplePeer();
    const { links, emitted, list, server } = setup({ rtc: { SimplePeer: rtc.SimplePeer, wrtc: {} } });
    list(A, B);
    links.reconcile();
    links.connect(A);
    links.connect(B);
    rtc.instances[0]!.emit('connect');
    rtc.instances[1]!.emit('connect');
    expect(links.view(A)).toEqual({ link: 'direct' });
    expect(links.view(B)).toEqual({ link: 'direct' });
    // B prunes its channel with us: the mesh still reaches the room through A, so the pair is simply unlinked.
    rtc.instances[1]!.emit('close');
    expect(emitted.at(-1)?.at(-1)).toEqual({ type: 'linkDown', link: peerLinkId(B) });
    expect(links.view(B)).toEqual({ link: 'none', reason: 'closed' });
    expect(links.relayed(B, 'a leftover push')).toEqual([]);
    expect(links.view(B).link).toBe('none');
    links.send(B, 'nothing');
    expect(server.relay).not.toHaveBeenCalled();
    links.close();
  });

  it('hybrid, meshed: relays for a member while it says it is alone, and stops RELAY_NEED_MS after it last did', () => {
    const rtc = scriptedSimplePeer();
    let now = 1_000;
    const { links, emitted, list, server } = setup({ rtc: { SimplePeer: rtc.SimplePeer, wrtc: {} }, now: () => now });
    list(A, B);
    links.reconcile();
    links.connect(A);
    rtc.instances[0]!.emit('connect'); // meshed through A
    expect(links.relayed(B, 'from a member alone', true)).toEqual([
      { type: 'linkUp', link: peerLinkId(B), kind: 'relay', peer: B },
      { type: 'message', link: peerLinkId(B), data: 'from a member alone' },
    ]);
    expect(links.view(B).link).toBe('relay');
    expect(links.send(B, 'to it')).toBe(true);
    expect(server.relay).toHaveBeenLastCalledWith(B, 'to it', false); // this peer is on the mesh
    now += RELAY_NEED_MS - 1;
    expect(links.send(B, 'still')).toBe(true);
    now += 1;
    expect(links.send(B, 'no longer')).toBe(false); // B stopped saying so (it got onto the mesh)
    expect(links.view(B).link).toBe('none');
    // The pair given up while sending reaches the driver as an effect of its own.
    expect(emitted.at(-1)).toEqual([{ type: 'linkDown', link: peerLinkId(B) }]);
    expect(server.relay).toHaveBeenCalledTimes(2);
    links.close();
  });

  it('hybrid, cut off: a channel that breaks falls back to the relay', () => {
    const rtc = scriptedSimplePeer();
    const { links, emitted, list } = setup({ rtc: { SimplePeer: rtc.SimplePeer, wrtc: {} } });
    list(A);
    links.reconcile();
    links.connect(A);
    rtc.instances[0]!.emit('connect');
    rtc.instances[0]!.emit('close');
    expect(emitted.at(-1)?.at(-1)).toEqual({ type: 'linkKind', link: peerLinkId(A), kind: 'relay' });
    expect(links.view(A)).toEqual({ link: 'relay', reason: 'closed' });
    links.close();
  });

  it('hybrid: a pair that timed out tries direct again after DIRECT_RETRY_MS while it is on the relay', () => {
    vi.useFakeTimers();
    const stalled = stalledSimplePeer();
    const { links, emitted, list } = setup({ rtc: { SimplePeer: stalled.SimplePeer, wrtc: {} } });
    list(A);
    links.reconcile();
    links.connect(A);
    expect(stalled.created()).toBe(1);
    vi.advanceTimersByTime(CONNECT_TIMEOUT_MS);
    expect(emitted.flat()).toEqual([
      { type: 'connectFailed', peer: A },
      { type: 'linkUp', link: peerLinkId(A), kind: 'relay', peer: A },
    ]);
    expect(links.view(A)).toEqual({ link: 'relay', reason: 'timeout' });
    vi.advanceTimersByTime(DIRECT_RETRY_MS - 1);
    expect(stalled.created()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(stalled.created()).toBe(2);
    links.close();
  });
});
