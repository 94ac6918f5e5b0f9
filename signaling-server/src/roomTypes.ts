/**
 * The types the room modules share, in one leaf module so their imports run one way: the socket
 * handlers call the directory, the directory calls the room service, the service calls the reset, and
 * each of them names members and the Socket.IO server through this file alone.
 */
import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@peerlab/shared';

export type PeerlabIo = Server<ClientToServerEvents, ServerToClientEvents>;
export type PeerlabSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** One member's socket in one room. */
export interface MemberRef {
  readonly room: string;
  readonly peer: string;
  readonly socketId: string;
}
