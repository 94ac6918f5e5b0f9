import type { Mode } from '@peerlab/shared';

/** One line per mode for the class: who holds the truth, and where the bytes flow. */
export const MODE_EXPLANATION: Readonly<Record<Mode, string>> = {
  'client-server':
    'The server holds the truth: it validates, orders, stores and broadcasts every write. All bytes go through it (a star); peers never talk to each other.',
  p2p: 'Every peer holds the whole state. Writes spread by gossip over direct WebRTC links and anti-entropy repairs gaps; the server only introduces peers and carries the mode.',
  hybrid:
    'The server is the control plane (admission, mode, relay for pairs without a direct link); data flows peer to peer over WebRTC.',
};

export const MODE_LABEL: Readonly<Record<Mode, string>> = {
  'client-server': 'Client-server',
  p2p: 'Peer-to-peer',
  hybrid: 'Hybrid',
};
