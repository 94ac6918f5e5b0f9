/**
 * simple-peer's browser bundle. Its Node entry needs `global`/`process`, which Vite does not provide,
 * so the client imports the prebuilt UMD file; this declares the small part of its API we use.
 */
declare module 'simple-peer/simplepeer.min.js' {
  export interface SimplePeerOptions {
    initiator?: boolean;
    trickle?: boolean;
    config?: RTCConfiguration;
    channelName?: string;
  }

  /** Offer, answer, candidate or renegotiation data, forwarded verbatim to the other side. */
  export type SignalData = Record<string, unknown>;

  export interface SimplePeerInstance {
    readonly connected: boolean;
    readonly destroyed: boolean;
    /** The data channel's bufferedAmount (0 before it exists). */
    readonly bufferSize: number;
    signal(data: SignalData | string): void;
    send(data: string): void;
    destroy(error?: Error): void;
    on(event: 'signal', listener: (data: SignalData) => void): this;
    on(event: 'connect' | 'close', listener: () => void): this;
    on(event: 'data', listener: (data: Uint8Array | string) => void): this;
    on(event: 'error', listener: (error: Error & { code?: string }) => void): this;
  }

  interface SimplePeerConstructor {
    new (options?: SimplePeerOptions): SimplePeerInstance;
    readonly WEBRTC_SUPPORT: boolean;
  }

  const SimplePeer: SimplePeerConstructor;
  export default SimplePeer;
}
