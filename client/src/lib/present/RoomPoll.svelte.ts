/**
 * The presenter's view of the room as the server holds it (`GET /api/rooms/:room`), polled. It keeps
 * polling in a hidden tab: its numbers are text a teacher (or a test) reads, not a drawing.
 */
import type { RoomInfo } from '@peerlab/shared';
import { fetchRoom, type ApiReply } from '../api/serverApi.ts';

/** Poll period: the dashboard is a central view, one request a second is plenty for a projector. */
const POLL_MS = 1000;

export class RoomPoll {
  /** The last answer; undefined until the first one. */
  result = $state.raw<ApiReply<RoomInfo> | undefined>(undefined);
  readonly #room: string;
  readonly #abort = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(room: string) {
    this.#room = room;
    void this.#poll();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#abort.abort();
  }

  async #poll(): Promise<void> {
    const reply = await fetchRoom(this.#room, this.#abort.signal);
    if (this.#closed) return;
    this.result = reply;
    this.#timer = setTimeout(() => void this.#poll(), POLL_MS);
  }
}
