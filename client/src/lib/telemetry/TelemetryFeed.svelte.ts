/**
 * Feeds a RoomTimeline from where the room's reports can be seen, as Svelte state for the dashboard:
 * - `central`: while the server serves the room (client-server, hybrid; service running; connected), from
 *   GET /api/rooms/:room/telemetry — every peer's reports, complete;
 * - `gossip`: otherwise (p2p, or the server gone or stopped), from what the session's engine heard by
 *   gossip — partial, and each peer's staleness shows how partial.
 */
import type { HeldReport, Mode } from '@peerlab/shared';
import { fetchRoomTelemetry } from '../api/serverApi.ts';
import type { PeerSession } from '../session/PeerSession.svelte.ts';
import { FLOW_LIFETIME_MS, RoomTimeline, SERVER_NODE, WINDOW_SAMPLES, type Flow, type GraphEdge, type GraphNode, type PeerRow, type Sample } from './roomTimeline.ts';

/** Redraw period of ages, graph and flows; samples are taken every other tick (one a second). */
const TICK_MS = 500;

export type TelemetrySource = 'central' | 'gossip';

export interface FeedOptions {
  /**
   * Whether central polls fetch the server's history too (every report, for exact reach times) or only
   * each peer's newest report (counters are cumulative, so traffic sums stay right). A peer view on a
   * phone takes the light one: thirty of them must not cost the server a history each per poll.
   */
  readonly history: boolean;
  /** Central poll period, in ticks of TICK_MS. */
  readonly pollTicks: number;
  /**
   * Whether the panel drawing this feed is seen (Sight). While it is not, the feed polls nothing and lays
   * nothing out; its first tick in sight catches up. A student's page that never scrolls to its telemetry
   * then costs the server no poll a second for the whole room's reports (every page polling every report
   * grows with the square of the room). Absent: always seen (the presenter, whose view this is).
   */
  readonly seen?: () => boolean;
}

const PRESENTER_FEED: FeedOptions = { history: true, pollTicks: 2 };
/** Most of this page's own messages animated at once (a burst must not bury the picture). */
const MAX_OWN_FLOWS = 60;

export class TelemetryFeed {
  source = $state.raw<TelemetrySource>('gossip');
  rows = $state.raw<readonly PeerRow[]>([]);
  samples = $state.raw<readonly Sample[]>([]);
  nodes = $state.raw<readonly GraphNode[]>([]);
  edges = $state.raw<readonly GraphEdge[]>([]);
  flows = $state.raw<readonly Flow[]>([]);
  totals = $state.raw({ serverBytes: 0, directBytes: 0, serverMessages: 0, directMessages: 0 });
  readonly capacity = WINDOW_SAMPLES;
  /** The protocol version the viewing page speaks: peers on another one get a badge. */
  readonly protocol: string;

  readonly #session: PeerSession;
  readonly #timeline = new RoomTimeline(Date.now());
  readonly #timer: ReturnType<typeof setInterval>;
  #ticks = 0;
  /** Newest server receipt time ingested (server clock), for `?since=` and `?latestSince=`. */
  #since = 0;
  /** What the graph showed last: nodes and edges are handed on only when it changes (the graph relays out then). */
  #graphKey = '';
  #fetching = false;
  readonly #options: FeedOptions;
  /** This page's own messages, one flow each, exactly as its trace recorded them. */
  #ownFlows: Flow[] = [];
  readonly #unsubscribeTrace: () => void;

  constructor(session: PeerSession, options: FeedOptions = PRESENTER_FEED) {
    this.#session = session;
    this.protocol = session.protocolText;
    this.#options = options;
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    // The links this page is an end of animate message by message from its trace; the rest of the room
    // can only be inferred from the counters in its reports (see RoomTimeline's flows).
    this.#unsubscribeTrace = session.trace.subscribe((record) => {
      const kind = record.kind;
      if (kind !== 'server' && kind !== 'direct' && kind !== 'relay') return;
      if (record.dir !== 'send' && !(record.dir === 'recv' && record.remote === SERVER_NODE)) return;
      const [from, to] = record.dir === 'send' ? [record.peer, record.remote] : [SERVER_NODE, record.peer];
      this.#ownFlows.push({ from, to, kind, at: record.at });
      if (this.#ownFlows.length > MAX_OWN_FLOWS) this.#ownFlows.splice(0, this.#ownFlows.length - MAX_OWN_FLOWS);
    });
  }

  close(): void {
    clearInterval(this.#timer);
    this.#unsubscribeTrace();
  }

  #centralAvailable(): boolean {
    const session = this.#session;
    return session.mode !== 'p2p' && session.serverStatus === 'connected' && session.serviceRunning;
  }

  #tick(): void {
    const now = Date.now();
    const source = this.#centralAvailable() ? 'central' : 'gossip';
    if (source !== this.source) this.source = source;
    if (this.#options.seen?.() === false) return;
    // What gossip brought is always taken (the engine also holds this session's own report).
    for (const held of this.#session.reports) this.#timeline.ingest(held);
    if (this.source === 'central' && this.#ticks % this.#options.pollTicks === 0) void this.#fetchCentral();
    if (this.#ticks % 2 === 0) {
      this.#timeline.sample(now, this.#session.mode as Mode);
      this.samples = this.#timeline.samples;
      this.totals = { ...this.#timeline.totals };
    }
    this.#ticks++;
    this.rows = this.#timeline.rows(now);
    const graph = this.#timeline.graph(now);
    const graphKey = JSON.stringify(graph);
    if (graphKey !== this.#graphKey) {
      this.#graphKey = graphKey;
      this.nodes = graph.nodes;
      this.edges = graph.edges;
    }
    const self = this.#session.publicKey;
    this.#ownFlows = this.#ownFlows.filter((flow) => now - flow.at < FLOW_LIFETIME_MS);
    const inferred = this.#timeline.flows(now).filter((flow) => flow.from !== self && flow.to !== self);
    const flows = [...inferred, ...this.#ownFlows];
    // Nothing in flight, as before: the same empty list, so nothing downstream wakes.
    if (flows.length > 0 || this.flows.length > 0) this.flows = flows;
  }

  async #fetchCentral(): Promise<void> {
    if (this.#fetching) return;
    this.#fetching = true;
    try {
      const reply = await fetchRoomTelemetry(this.#session.room, this.#since, this.#options.history);
      // Unreachable server or an unexpected answer: the next tick falls back to gossip when the session notices.
      if (reply.state !== 'ok') return;
      const telemetry = reply.value;
      // Server receipt times onto this page's clock: one offset per answer (the request's latency, a few
      // ms on a LAN, is the error; far below the one-second reporting period).
      const offset = Date.now() - telemetry.now;
      const toLocal = (held: HeldReport): HeldReport => ({ report: held.report, receivedAt: held.receivedAt + offset });
      for (const held of telemetry.history) {
        this.#timeline.ingest(toLocal(held));
        this.#since = Math.max(this.#since, held.receivedAt);
      }
      for (const held of telemetry.latest) {
        this.#timeline.ingest(toLocal(held));
        this.#since = Math.max(this.#since, held.receivedAt);
      }
    } finally {
      this.#fetching = false;
    }
  }
}
