import { describe, expect, it } from 'vitest';
import { linkModes, linkPeer, linkReason, peerLinkId, REMOTE_FALLBACK, retryable, SERVER_LINK, takesRelayFrom, wantedLink, type PairState } from '../src/lib/session/linkPolicy.ts';

const KEY = 'a'.repeat(64);
const pair = (state: Partial<PairState>): PairState => ({ open: false, relay: false, listed: true, have: undefined, failure: undefined, meshed: false, needed: false, ...state });

describe('link ids', () => {
  it('name a peer link by its key and tell the server link apart', () => {
    expect(linkPeer(peerLinkId(KEY))).toBe(KEY);
    expect(linkPeer(SERVER_LINK)).toBeUndefined();
  });
});

describe('which kinds of link a peer may have', () => {
  it('none until the mode is known, and none while away', () => {
    expect(linkModes({ mode: 'hybrid', modeKnown: false, serverJoined: true, suspended: false })).toEqual({ direct: false, relay: false });
    expect(linkModes({ mode: 'hybrid', modeKnown: true, serverJoined: true, suspended: true })).toEqual({ direct: false, relay: false });
  });

  it('follows the mode; the relay needs the server', () => {
    expect(linkModes({ mode: 'p2p', modeKnown: true, serverJoined: true, suspended: false })).toEqual({ direct: true, relay: false });
    expect(linkModes({ mode: 'client-server', modeKnown: true, serverJoined: true, suspended: false })).toEqual({ direct: false, relay: false });
    expect(linkModes({ mode: 'hybrid', modeKnown: true, serverJoined: true, suspended: false })).toEqual({ direct: true, relay: true });
    expect(linkModes({ mode: 'hybrid', modeKnown: true, serverJoined: false, suspended: false })).toEqual({ direct: true, relay: false });
  });
});

describe('the link a pair should have', () => {
  it('is direct while its channel is open, whatever it had', () => {
    expect(wantedLink(pair({ open: true }))).toBe('direct');
    expect(wantedLink(pair({ open: true, relay: true, have: 'relay' }))).toBe('direct');
  });

  it('cut off from the mesh: falls back to the relay for a listed pair that was linked or whose direct attempt failed', () => {
    expect(wantedLink(pair({ relay: true, have: 'direct' }))).toBe('relay');
    expect(wantedLink(pair({ relay: true, failure: 'timeout' }))).toBe('relay');
    expect(wantedLink(pair({ relay: true, failure: 'closed' }))).toBe('relay');
    expect(wantedLink(pair({ relay: true }))).toBeUndefined(); // never asked for: the overlay decides
    expect(wantedLink(pair({ relay: true, failure: 'timeout', listed: false }))).toBeUndefined();
    expect(wantedLink(pair({ relay: false, have: 'relay' }))).toBeUndefined();
  });

  it('meshed: the relay only for a member that cannot link directly, never for one the mesh already reaches', () => {
    const meshed = { relay: true, meshed: true };
    // A channel the remote pruned, or one that broke, or an attempt that timed out: the overlay repairs.
    expect(wantedLink(pair({ ...meshed, have: 'direct', failure: 'closed' }))).toBeUndefined();
    expect(wantedLink(pair({ ...meshed, have: 'relay', failure: 'closed' }))).toBeUndefined();
    expect(wantedLink(pair({ ...meshed, have: 'relay', failure: 'timeout' }))).toBeUndefined();
    expect(wantedLink(pair({ ...meshed, have: 'relay' }))).toBeUndefined();
    // A member alone on the relay (it said so lately), or one that can never link: relayed.
    expect(wantedLink(pair({ ...meshed, needed: true }))).toBe('relay');
    expect(wantedLink(pair({ ...meshed, have: 'relay', failure: 'timeout', needed: true }))).toBe('relay');
    expect(wantedLink(pair({ ...meshed, failure: 'webrtc-unavailable' }))).toBe('relay');
    expect(wantedLink(pair({ ...meshed, failure: 'webrtc-unavailable', listed: false }))).toBeUndefined();
  });

  it('a relayed message from an unlinked member opens a link for a peer cut off, or from one alone or without WebRTC', () => {
    expect(takesRelayFrom(undefined, false, false)).toBe(true);
    expect(takesRelayFrom('closed', false, false)).toBe(true);
    expect(takesRelayFrom(undefined, true, true)).toBe(true);
    expect(takesRelayFrom('webrtc-unavailable', true, false)).toBe(true);
    expect(takesRelayFrom('timeout', true, false)).toBe(false);
    expect(takesRelayFrom(undefined, true, false)).toBe(false);
  });
});

describe('why a pair is where it is', () => {
  it('on the relay: its failure, else the other side fell back, else this browser has no WebRTC', () => {
    expect(linkReason('relay', 'timeout', true)).toBe('timeout');
    expect(linkReason('relay', undefined, true)).toBe(REMOTE_FALLBACK);
    expect(linkReason('relay', undefined, false)).toBe('webrtc-unavailable');
  });

  it('unlinked: the last failure, if any; direct: nothing', () => {
    expect(linkReason(undefined, 'declined', true)).toBe('declined');
    expect(linkReason(undefined, undefined, true)).toBeUndefined();
    expect(linkReason('direct', 'timeout', true)).toBeUndefined();
  });

  it('retries direct only after failures that may heal', () => {
    expect(['timeout', 'closed', 'error'].every((reason) => retryable(reason as 'timeout'))).toBe(true);
    expect(retryable('declined')).toBe(false);
    expect(retryable('webrtc-unavailable')).toBe(false);
  });
});
