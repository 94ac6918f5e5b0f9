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
});
