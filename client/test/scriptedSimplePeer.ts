import type { SimplePeerConstructor, SimplePeerInstance } from '../src/lib/transport/webrtcMesh.ts';

/** A simple-peer whose events the test fires by hand (`connect`, `close`...), one instance per attempt. */
export function scriptedSimplePeer() {
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
