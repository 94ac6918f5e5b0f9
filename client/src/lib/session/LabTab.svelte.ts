/**
 * The lab view's tab: N sessions started one after another (so the first creates the room and holds its
 * admin key before the rest join), sharing one freeze gate (one clock and one queue) and one trace order,
 * published as `window.peerlabLab`, with one space-time model joining each send to its receive across them.
 */
import { FreezeGate, TraceSequence } from '@peerlab/shared';
import { SpaceTimeModel } from '../trace/SpaceTimeModel.svelte.ts';
import { PeerSession } from './PeerSession.svelte.ts';
import { labSessionOptions, type RoomSettings } from './sessionOptions.ts';
import type { EventInfo } from '../trace/spaceTimeText.ts';

export class LabTab {
  sessions = $state.raw<readonly PeerSession[]>([]);
  /** Why a session could not start, when one could not. */
  failure = $state('');
  readonly gate = new FreezeGate(() => Date.now());
  readonly spaceTime = new SpaceTimeModel(false, (key) => this.sessions.some((session) => session.publicKey === key));
  readonly lifelines: readonly string[] = $derived(this.sessions.map((session) => session.publicKey));
  /** The lab's key-to-name map: its first peer's (every member it has seen) and the lab's own peers. */
  readonly names: ReadonlyMap<string, string> = $derived(new Map([...(this.sessions[0]?.names ?? []), ...this.sessions.map((session) => [session.publicKey, session.name] as const)]));
  /** Distinct digests across the lab's peers: 1 means converged. */
  readonly distinct = $derived(new Set(this.sessions.map((session) => session.digest)).size);
  readonly #traceSequence = new TraceSequence();
  #closed = false;

  constructor(settings: RoomSettings, count: number) {
    void this.#start(settings, count);
  }

  /** An event as the first lab peer holding it describes it. */
  describeEvent = (id: string): EventInfo | undefined => {
    for (const session of this.sessions) {
      const info = session.describeEvent(id);
      if (info) return info;
    }
    return undefined;
  };

  close(): void {
    this.#closed = true;
    this.spaceTime.close();
    for (const session of this.sessions) session.close();
  }

  async #start(settings: RoomSettings, count: number): Promise<void> {
    try {
      for (let i = 0; i < count && !this.#closed; i++) {
        const session = await PeerSession.create(labSessionOptions(settings, i, { gate: this.gate, traceSequence: this.#traceSequence }));
        if (this.#closed) session.close();
        else {
          this.spaceTime.attach(session.trace);
          this.sessions = [...this.sessions, session];
        }
        window.peerlabLab = [...this.sessions];
      }
    } catch (error: unknown) {
      this.failure = error instanceof Error ? error.message : String(error);
    }
  }
}
