/// <reference types="svelte" />
/// <reference types="vite/client" />

interface Window {
  /** The peer view's session, for tests and the console. */
  peerlab?: import('./lib/session/PeerSession.svelte.ts').PeerSession;
  /** The lab view's sessions. */
  peerlabLab?: import('./lib/session/PeerSession.svelte.ts').PeerSession[];
}
