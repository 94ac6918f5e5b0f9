/**
 * The peer view's tab: starts its one session from the URL's settings, publishes it as `window.peerlab`
 * (the e2e suite's and the console's handle on the page), and records this peer's own traffic for its
 * space-time diagram. The view only renders what this holds.
 */
import { keepIfSame, sameList } from '../drawing/seen.ts';
import { SpaceTimeModel } from '../trace/SpaceTimeModel.svelte.ts';
import { PeerSession } from './PeerSession.svelte.ts';
import { peerSessionOptions, type PeerSettings } from './sessionOptions.ts';

export class PeerTab {
  session = $state.raw<PeerSession | undefined>(undefined);
  /** This peer's own view of its traffic: its sends and receives only (no other peer's trace is in this tab). */
  spaceTime = $state.raw<SpaceTimeModel | undefined>(undefined);
  /** Why the session could not start, when it could not. */
  failure = $state('');
  /** The diagram's lifelines: this peer, then the members (the same list while they stay the same). */
  readonly lifelines: readonly string[] = $derived.by(() => {
    const session = this.session;
    const next = session ? [session.publicKey, ...session.members.map((member) => member.peer)] : [];
    this.#lifelines = keepIfSame({ value: this.#lifelines }, next, sameList);
    return this.#lifelines;
  });
  /** The session's key-to-name map with this peer in it. */
  readonly names: ReadonlyMap<string, string> = $derived(this.session ? new Map([[this.session.publicKey, `${this.session.name} (you)`], ...this.session.names]) : new Map());
  #lifelines: readonly string[] = [];
  #closed = false;

  constructor(settings: PeerSettings) {
    PeerSession.create(peerSessionOptions(settings)).then(
      (created) => {
        if (this.#closed) {
          created.close();
          return;
        }
        const model = new SpaceTimeModel(true, () => false);
        model.attach(created.trace);
        this.spaceTime = model;
        this.session = created;
        window.peerlab = created;
      },
      (error: unknown) => {
        this.failure = error instanceof Error ? error.message : String(error);
      },
    );
  }

  close(): void {
    this.#closed = true;
    this.spaceTime?.close();
    this.session?.close();
  }
}
