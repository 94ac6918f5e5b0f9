import { describe, expect, it } from 'vitest';
import { WebRtcMesh, type SimplePeerConstructor, type SimplePeerInstance } from '../src/lib/transport/webrtcMesh.ts';

const SELF = '0'.repeat(64);
const A = 'a'.repeat(64);

/** A simple-peer whose events the test fires by hand. */
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
