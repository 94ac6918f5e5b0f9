/**
 * What one space-time diagram shows, as Svelte state: the picked lifelines, pause and step, the event
 * followed and the exchange opened, and everything derived from them and the model's chart. It follows
 * the drawing rule (Sight): while the diagram is unseen (scrolled away, its panel closed, the tab hidden)
 * the chart is not read at all, so nothing is laid out or indexed; the first look after shows the latest.
 */
import { compareVectors, eventTrail, ExchangeIndex, SERVER_END, type Arrow, type TraceRecord } from '@peerlab/shared';
import { Sight, whileSeen } from '../drawing/Sight.svelte.ts';
import type { SpaceTimeModel } from './SpaceTimeModel.svelte.ts';
import { layout, nextEnd, type ArrowFilter } from './spaceTimeLayout.ts';
import { diagramName, eventLabel, recentEventIds, type DiagramRoles, type EventInfo } from './spaceTimeText.ts';

/** Arrows drawn at once: more gets unreadable on a projector. */
const MAX_ARROWS = 36;
/** Events offered in the picker, newest first. */
const MAX_EVENT_CHOICES = 25;
/** Exchanges that shipped events offered in the picker, newest first. */
const MAX_EXCHANGE_CHOICES = 15;
/**
 * Newest arrows searched for such exchanges on each redraw: a minute of a small lab's traffic, a few
 * seconds of sixteen peers'. More finds older exchanges and costs a scan per redraw.
 */
const EXCHANGE_SCAN = 800;

export interface SpaceTimeInput {
  /** Peers that can have a lifeline, in display order (the local view: this peer first, then its neighbours). */
  readonly peers: readonly string[];
  /** The page's key-to-name map. */
  readonly names: ReadonlyMap<string, string>;
  readonly roles: DiagramRoles;
  readonly describeEvent: (id: string) => EventInfo | undefined;
}

interface ChartSnapshot {
  readonly arrows: readonly Arrow[];
  readonly held: readonly TraceRecord[];
}

export class SpaceTimeView {
  readonly #input: () => SpaceTimeInput;
  readonly #chart: { readonly current: ChartSnapshot };
  readonly sight = new Sight();
  readonly model: SpaceTimeModel;
  unpicked = $state<readonly string[]>([]);
  hidePings = $state(true);
  paused = $state(false);
  /** While paused: the last message end shown. */
  cursor = $state(0);
  selectedEvent = $state('');
  selectedArrow = $state<Arrow | undefined>(undefined);
  /** An exchange picked from the list: the picture starts at it. */
  exchangeAnchor = $state<number | undefined>(undefined);

  readonly lifelines = $derived.by(() => [...this.#input().peers.filter((key) => !this.unpicked.includes(key)), SERVER_END]);
  readonly #filter: ArrowFilter = $derived({ lifelines: this.lifelines, hidePings: this.hidePings });
  readonly #arrows = $derived.by(() => this.#chart.current.arrows);
  /**
   * The newest record drawn while not paused: a message end, or a `held` mark. A mark can come after the last
   * message end (a peer verifies and stores what it received, and has nothing to send on): left out, it stayed
   * hidden until the next message, which never comes while the lab's time is frozen.
   */
  readonly #latest = $derived.by(() =>
    Math.max(
      this.#arrows.reduce((max, arrow) => Math.max(max, arrow.recv?.seq ?? 0, arrow.send?.seq ?? 0), 0),
      this.#chart.current.held.at(-1)?.seq ?? 0,
    ),
  );
  readonly #shownCursor = $derived(this.paused ? this.cursor : this.#latest);
  // `held` is the chart's own growing list (the same array each time): read it through the snapshot, which is new.
  readonly trail = $derived.by(() => (this.selectedEvent ? eventTrail(this.#arrows, this.#chart.current.held, this.selectedEvent) : undefined));
  readonly #firstHeld = $derived(this.trail ? [...this.trail.firstHeld.values()] : []);
  /** Following an event, the picture starts where it was written (or first seen) instead of scrolling on. */
  readonly anchor = $derived.by(() => {
    const trail = this.trail;
    const first = trail ? Math.min(...this.#firstHeld.map((record) => record.seq), ...trail.carriers.map((arrow) => arrow.id)) : undefined;
    return first !== undefined && Number.isFinite(first) ? first : this.exchangeAnchor;
  });
  readonly placed = $derived(layout(this.#arrows, this.#filter, this.#shownCursor, MAX_ARROWS, this.#firstHeld, this.anchor));
  readonly carrying = $derived(new Set(this.trail?.carriers.map((arrow) => arrow.id) ?? []));
  /** Paused with a message end still to reveal. */
  readonly waiting = $derived(this.paused ? nextEnd(this.#arrows, this.#filter, this.cursor) !== undefined : false);
  readonly exchange = $derived(this.selectedArrow ? new ExchangeIndex(this.#arrows).exchange(this.selectedArrow) : undefined);
  readonly exchangeChoices = $derived.by(() => {
    const shown = new Set(this.lifelines);
    return new ExchangeIndex(this.#arrows.slice(-EXCHANGE_SCAN))
      .recent(MAX_EXCHANGE_CHOICES * 2)
      .filter((choice) => shown.has(choice.opening.from) && shown.has(choice.opening.to))
      .slice(0, MAX_EXCHANGE_CHOICES);
  });
  readonly compared = $derived(this.exchange?.opening.vv ? compareVectors(this.exchange.opening.vv, this.exchange.answer?.vv ?? {}) : []);
  readonly eventChoices = $derived.by(() => recentEventIds(this.#chart.current.held, MAX_EVENT_CHOICES).map((id) => ({ id, label: this.eventLabel(id) })));

  /** Must be made while a component initialises (its derived state lives with that component). */
  constructor(model: SpaceTimeModel, input: () => SpaceTimeInput) {
    this.model = model;
    this.#input = input;
    // The chart is read again when the model's revision moves (once per REDRAW_MS at most), and only while seen.
    this.#chart = whileSeen(this.sight, () => {
      void model.revision;
      return { arrows: [...model.chart.arrows()], held: model.chart.held() };
    });
  }

  nameOf = (key: string): string => {
    const input = this.#input();
    return diagramName(key, input.names, input.roles);
  };

  eventLabel = (id: string): string => eventLabel(id, this.#input().describeEvent(id), this.nameOf);

  togglePause(): void {
    if (!this.paused) this.cursor = this.#latest;
    this.paused = !this.paused;
  }

  step(): void {
    const next = nextEnd(this.#arrows, this.#filter, this.cursor);
    if (next !== undefined) this.cursor = next;
  }

  togglePeer(key: string, on: boolean): void {
    this.unpicked = on ? this.unpicked.filter((other) => other !== key) : [...this.unpicked, key];
  }

  /** An arrow clicked: a summary opens its exchange, an `events` message follows its first event. */
  pick(arrow: Arrow): void {
    if (arrow.t === 'vv' || arrow.t === 'hello') this.selectedArrow = arrow;
    else if (arrow.t === 'events' && arrow.eventIds?.[0] !== undefined) this.selectedEvent = arrow.eventIds[0];
  }

  pickExchange(id: string): void {
    const choice = this.exchangeChoices.find((candidate) => String(candidate.opening.id) === id);
    this.selectedArrow = choice?.opening;
    this.exchangeAnchor = choice?.opening.id;
    if (choice) this.selectedEvent = '';
  }

  closeExchange(): void {
    this.selectedArrow = undefined;
    this.exchangeAnchor = undefined;
  }

  /** The events a list of `events` messages shipped, named. */
  shipped(list: readonly Arrow[]): string {
    const ids = list.flatMap((arrow) => arrow.eventIds ?? []);
    return ids.length === 0 ? 'nothing' : ids.map((id) => this.eventLabel(id)).join(', ');
  }
}
