import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_OVERLAY, type Input, type Member, type Mode } from '@peerlab/shared';
import { CONNECT_TIMEOUT_MS, type RtcImplementation, type SimplePeerConstructor, type SimplePeerInstance } from '../src/lib/transport/webrtcMesh.ts';
import { DIRECT_RETRY_MS, peerLinkId, RELAY_NEED_MS } from '../src/lib/session/linkPolicy.ts';
import { MemberRoster } from '../src/lib/session/memberRoster.ts';
import { PeerLinks } from '../src/lib/session/peerLinks.ts';

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

/** A simple-peer whose events the test fires by hand (`connect`, `close`...), one instance per attempt. */
function scriptedSimplePeer() {
  const instances: { emit(event: string, value?: unknown): void }[] = [];
  class Scripted {
    static readonly WEBRTC_SUPPORT = true;
    readonly bufferSize = 0;
    readonly #listeners = new Map<string, ((value?: unknown) => void)[]>();
    constructor() {
      instances.push({ emit: (event, value) => this.#listeners.get(event)?.forEach((listener) => listener(value)) });
    }
    signal(): void {}
    send(): void {}
    destroy(): void {}
    on(event: string, listener: (value?: unknown) => void): this {
      this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
      return this;
    }
  }
  return { SimplePeer: Scripted as unknown as SimplePeerConstructor & (new () => SimplePeerInstance), instances };
}

/** No RTCPeerConnection here (Node without wrtc): every attempt fails at once with `webrtc-unavailable`. */
const NO_WEBRTC: RtcImplementation = { SimplePeer: stalledSimplePeer().SimplePeer };

/** `refuse`: a key whose links the engine drops as soon as they come up (banned for flooding). */
function setup(options: { mode?: Mode; rtc?: RtcImplementation; refuse?: string; now?: () => number } = {}) {
  const node = { mode: options.mode ?? 'hybrid', epoch: 1, acceptsDirectLink: () => true };
  const server = { joined: true, relay: vi.fn(), signal: vi.fn() };
  const roster = new MemberRoster(SELF);
  const applied: Input[] = [];
  const received: [string, string][] = [];
  let applying = false;
  const links = new PeerLinks(
    { self: SELF, iceServers: [], rtc: options.rtc ?? NO_WEBRTC, degree: DEFAULT_OVERLAY, node, server, roster, ...(options.now ? { now: options.now } : {}) },
    {
      apply: (input) => {
        applied.push(input);
        if (input.type === 'linkUp' && input.peer === options.refuse) links.drop(input.link);
      },
      applying: () => applying,
      closed: () => false,
      received: (peer, data) => received.push([peer, data]),
      changed: () => undefined,
    },
  );
  const list = (...peers: string[]) => links.rosterChanged(roster.update(peers.map((peer): Member => ({ peer, name: peer.slice(0, 1), version: 1 }))));
  return { node, server, roster, links, applied, received, list, setApplying: (value: boolean) => void (applying = value) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('peer links', () => {
  it('hybrid: a pair whose direct attempt cannot be made talks over the relay, with the reason', () => {
    const { links, applied, server, list, node } = setup();
    list(A);
    links.reconcile(); // enables the mesh
    links.connect(A);
    expect(server.signal).toHaveBeenCalledWith(A, expect.stringContaining('webrtc-unavailable')); // the other side is told why
    expect(applied).toEqual([
      { type: 'connectFailed', peer: A },
      { type: 'linkUp', link: peerLinkId(A), kind: 'relay', peer: A },
    ]);
    expect(links.view(A)).toEqual({ link: 'relay', reason: 'webrtc-unavailable' });
    links.send(A, 'hello');
    expect(server.relay).toHaveBeenCalledWith(A, 'hello', true); // no direct link: this peer is alone on the relay

    node.mode = 'p2p'; // no relay in p2p: the pair is unlinked, its failure still shown
    links.reconcile();
    expect(applied.at(-1)).toEqual({ type: 'linkDown', link: peerLinkId(A) });
    expect(links.view(A)).toEqual({ link: 'none', reason: 'webrtc-unavailable' });
  });

  it('waits while an engine input is being applied, then reconciles once it ends', () => {
    const { links, applied, list, setApplying } = setup();
    list(A);
    links.reconcile();
    setApplying(true);
    links.connect(A);
    expect(applied).toEqual([{ type: 'connectFailed', peer: A }]);
    setApplying(false);
    links.settle();
    expect(applied.at(-1)).toEqual({ type: 'linkUp', link: peerLinkId(A), kind: 'relay', peer: A });
  });

  it('a member that leaves the roster loses its relay link and its failure', () => {
    const { links, applied, list } = setup();
    list(A);
    links.reconcile();
    links.connect(A);
    list();
    links.reconcile();
    expect(applied.at(-1)).toEqual({ type: 'linkDown', link: peerLinkId(A) });
    expect(links.view(A)).toEqual({ link: 'none' });
  });

  it('a relayed message from an unlinked member opens the relay link first; a dropped link carries nothing', () => {
    const { links, applied, received, server } = setup();
    links.relayed(B, 'hi');
    expect(applied).toEqual([{ type: 'linkUp', link: peerLinkId(B), kind: 'relay', peer: B }]);
    expect(received).toEqual([[B, 'hi']]);
    links.drop(peerLinkId(B));
    links.send(B, 'lost');
    expect(server.relay).not.toHaveBeenCalled();
    expect(links.view(B)).toEqual({ link: 'none' });
  });

  it('a relayed message from a key the engine refuses at once (banned) goes nowhere', () => {
    const { links, applied, received } = setup({ refuse: B });
    links.relayed(B, 'flood');
    expect(applied).toEqual([{ type: 'linkUp', link: peerLinkId(B), kind: 'relay', peer: B }]);
    expect(received).toEqual([]);
    expect(links.view(B)).toEqual({ link: 'none' });
  });

  it('p2p: relayed messages are not taken (no relay links in the mode)', () => {
    const { links, applied, received } = setup({ mode: 'p2p' });
    links.relayed(B, 'hi');
    expect(applied).toEqual([]);
    expect(received).toEqual([]);
  });

  it('no links before the store reaches the epoch it joined at', () => {
    const { links, applied, list, node, server } = setup();
    list(A);
    links.joinedAt(3);
    links.reconcile();
    links.connect(A); // the mesh stays disabled: nothing is attempted
    expect(server.signal).not.toHaveBeenCalled();
    expect(applied).toEqual([]);
    node.epoch = 3;
    links.reconcile();
    links.connect(A);
    expect(applied.map((input) => input.type)).toEqual(['connectFailed', 'linkUp']);
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
    links.connectDeferred();
    expect(server.signal.mock.calls.map(([to]) => to)).toEqual([A]);
  });

  it('hybrid, meshed: a channel that closes leaves no relay behind, and a leftover relayed message opens none', () => {
    const rtc = scriptedSimplePeer();
    const { links, applied, received, list, server } = setup({ rtc: { SimplePeer: rtc.SimplePeer, wrtc: {} } });
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
    expect(applied.at(-1)).toEqual({ type: 'linkDown', link: peerLinkId(B) });
    expect(links.view(B)).toEqual({ link: 'none', reason: 'closed' });
    links.relayed(B, 'a leftover push');
    expect(received).toEqual([]);
    expect(links.view(B).link).toBe('none');
    links.send(B, 'nothing');
    expect(server.relay).not.toHaveBeenCalled();
    links.close();
  });

  it('hybrid, meshed: relays for a member while it says it is alone, and stops RELAY_NEED_MS after it last did', () => {
    const rtc = scriptedSimplePeer();
    let now = 1_000;
    const { links, received, list, server } = setup({ rtc: { SimplePeer: rtc.SimplePeer, wrtc: {} }, now: () => now });
    list(A, B);
    links.reconcile();
    links.connect(A);
    rtc.instances[0]!.emit('connect'); // meshed through A
    links.relayed(B, 'from a member alone', true);
    expect(received).toEqual([[B, 'from a member alone']]);
    expect(links.view(B).link).toBe('relay');
    expect(links.send(B, 'to it')).toBe(true);
    expect(server.relay).toHaveBeenLastCalledWith(B, 'to it', false); // this peer is on the mesh
    now += RELAY_NEED_MS - 1;
    expect(links.send(B, 'still')).toBe(true);
    now += 1;
    expect(links.send(B, 'no longer')).toBe(false); // B stopped saying so (it got onto the mesh)
    expect(links.view(B).link).toBe('none');
    expect(server.relay).toHaveBeenCalledTimes(2);
    links.close();
  });

  it('hybrid, cut off: a channel that breaks falls back to the relay', () => {
    const rtc = scriptedSimplePeer();
    const { links, applied, list } = setup({ rtc: { SimplePeer: rtc.SimplePeer, wrtc: {} } });
    list(A);
    links.reconcile();
    links.connect(A);
    rtc.instances[0]!.emit('connect');
    rtc.instances[0]!.emit('close');
    expect(applied.at(-1)).toEqual({ type: 'linkKind', link: peerLinkId(A), kind: 'relay' });
    expect(links.view(A)).toEqual({ link: 'relay', reason: 'closed' });
    links.close();
  });

  it('hybrid: a pair that timed out tries direct again after DIRECT_RETRY_MS while it is on the relay', () => {
    vi.useFakeTimers();
    const stalled = stalledSimplePeer();
    const { links, applied, list } = setup({ rtc: { SimplePeer: stalled.SimplePeer, wrtc: {} } });
    list(A);
    links.reconcile();
    links.connect(A);
    expect(stalled.created()).toBe(1);
    vi.advanceTimersByTime(CONNECT_TIMEOUT_MS);
    expect(applied).toEqual([
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
