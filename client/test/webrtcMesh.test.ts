import { describe, expect, it } from 'vitest';
import { WebRtcMesh } from '../src/lib/transport/webrtcMesh.ts';
import { scriptedSimplePeer } from './scriptedSimplePeer.ts';

const SELF = '0'.repeat(64);
const A = 'a'.repeat(64);

describe('WebRtcMesh', () => {
  it('takes a message that comes before simple-peer\'s connect as the channel opening, not as noise', () => {
    const rtc = scriptedSimplePeer();
    const seen: string[] = [];
    const mesh = new WebRtcMesh(SELF, [], { SimplePeer: rtc.SimplePeer, wrtc: {} }, {
      open: (peer) => seen.push(`open ${peer.slice(0, 1)}`),
      failed: (peer, reason) => seen.push(`failed ${peer.slice(0, 1)} ${reason}`),
      data: (peer, data) => seen.push(`data ${peer.slice(0, 1)} ${data}`),
      signal: () => {},
      accepts: () => true,
    });
    mesh.setEnabled(true);
    mesh.connect(A);
    rtc.instances[0]!.emit('data', 'hello');
    expect(mesh.isOpen(A)).toBe(true);
    rtc.instances[0]!.emit('connect');
    expect(seen).toEqual([`open a`, `data a hello`]);
    mesh.shutdown();
  });

  it("takes messages off simple-peer's channel handler as the channel gave them, past its stream", () => {
    const rtc = scriptedSimplePeer();
    const streamed: unknown[] = [];
    // simple-peer 9's handler: every message through its Node stream, strings turned into Buffers.
    const made: WithStream[] = [];
    class WithStream extends (rtc.SimplePeer as unknown as new () => object) {
      destroyed = false;
      constructor() {
        super();
        made.push(this);
      }
      _onChannelMessage(event: { data: unknown }): void {
        streamed.push(event.data);
      }
    }
    const seen: string[] = [];
    const mesh = new WebRtcMesh(SELF, [], { SimplePeer: WithStream as unknown as typeof rtc.SimplePeer, wrtc: {} }, {
      open: (peer) => seen.push(`open ${peer.slice(0, 1)}`),
      failed: () => {},
      data: (peer, data) => seen.push(`data ${peer.slice(0, 1)} ${data}`),
      signal: () => {},
      accepts: () => true,
    });
    mesh.setEnabled(true);
    mesh.connect(A);
    const instance = made[0]!;
    instance._onChannelMessage({ data: '{"t":"hello"}' }); // what the channel's onmessage calls, by name
    instance._onChannelMessage({ data: new TextEncoder().encode('{"t":"ping"}').buffer });
    expect(streamed).toEqual([]);
    expect(seen).toEqual(['open a', 'data a {"t":"hello"}', 'data a {"t":"ping"}']);
    instance.destroyed = true; // simple-peer drops what comes after destroy
    instance._onChannelMessage({ data: 'late' });
    expect(seen).toHaveLength(3);
    mesh.shutdown();
  });
});
