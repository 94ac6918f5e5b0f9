/**
 * An in-memory network with virtual time and faults (loss, duplication, latency with jitter, which
 * reorders, and partitions), for the engine's own tests. Deterministic for a given seed: every choice
 * comes from the injected Rng, every step from a queue ordered by (time, sequence).
 */
import type { Input, Output, PeerlabNode } from '../engine/node.ts';
import type { LinkKind } from '../engine/mode.ts';
import { handleSync } from './driveSync.ts';
import type { Rng, VerifyRequest } from '../ports/ports.ts';

export interface LinkFaults {
  /** Probability that a message is lost. */
  readonly loss: number;
  /** Probability that a message is delivered twice. */
  readonly duplicate: number;
  /** Base one-way delay in virtual milliseconds. */
  readonly latencyMs: number;
  /** Uniform extra delay in [0, jitterMs): larger than the send interval, it reorders messages. */
  readonly jitterMs: number;
}

export const PERFECT_LINKS: LinkFaults = { loss: 0, duplicate: 0, latencyMs: 1, jitterMs: 0 };

interface Delivery {
  readonly at: number;
  readonly order: number;
  readonly from: string;
  readonly to: string;
  readonly data: string;
}

export interface NetworkCounters {
  sent: number;
  delivered: number;
  dropped: number;
  /** Messages per (from kind) link, to check who carried the traffic. */
  byKind: Record<LinkKind, number>;
}

export class MemoryNetwork {
  readonly nodes = new Map<string, PeerlabNode>();
  readonly counters: NetworkCounters = { sent: 0, delivered: 0, dropped: 0, byKind: { direct: 0, relay: 0, server: 0, client: 0 } };
  readonly #rng: Rng;
  readonly #verify: (request: VerifyRequest) => boolean;
  readonly #links = new Map<string, LinkKind>(); // "a>b" -> kind of the link as a sees it
  readonly #queue: Delivery[] = [];
  readonly #partition = new Map<string, number>(); // node -> group; absent = reaches everyone
  readonly #byKey = new Map<string, string>(); // node public key -> name
  readonly #crashed = new Set<string>();
  /** Signals that reached a node over the mesh, in arrival order. */
  readonly signals: { readonly to: string; readonly from: string; readonly data: string }[] = [];
  /**
   * When set, the network follows the nodes' overlay: a `connect` output opens a direct link if the
   * target is alive, reachable and accepts it; a `drop` output closes the link. Else links are manual.
   */
  autoOverlay = false;
  #faults: LinkFaults;
  #now = 0;
  #order = 0;

  constructor(rng: Rng, verify: (request: VerifyRequest) => boolean, faults: LinkFaults = PERFECT_LINKS) {
    this.#rng = rng;
    this.#verify = verify;
    this.#faults = faults;
  }

  get now(): number {
    return this.#now;
  }

  setFaults(faults: LinkFaults): void {
    this.#faults = faults;
  }

  add(name: string, node: PeerlabNode): void {
    this.nodes.set(name, node);
    this.#byKey.set(node.id, name);
    this.#crashed.delete(name);
    this.input(name, { type: 'tick' });
  }

  /** Live (not crashed) node names. */
  alive(): string[] {
    return [...this.nodes.keys()].filter((name) => !this.#crashed.has(name));
  }

  /** The node stops without a word: its links stay open on the other side until heartbeats notice. */
  crash(name: string): void {
    this.#crashed.add(name);
    for (const key of [...this.#links.keys()]) {
      const [a] = key.split('>') as [string, string];
      if (a === name) this.#links.delete(key);
    }
  }

  /** Tells every live peer the current member list, as the server's roster does. */
  announceRoster(names: readonly string[] = this.alive()): void {
    const peers = names.map((name) => this.nodes.get(name)!.id);
    for (const name of this.alive()) if (this.nodes.get(name)!.role === 'peer') this.input(name, { type: 'members', peers });
  }

  remove(name: string): void {
    for (const key of [...this.#links.keys()]) {
      const [a, b] = key.split('>') as [string, string];
      if (a === name || b === name) this.disconnect(a, b);
    }
    const node = this.nodes.get(name);
    if (node) this.#byKey.delete(node.id);
    this.nodes.delete(name);
    this.#crashed.delete(name);
  }

  connect(a: string, kindAtA: LinkKind, b: string, kindAtB: LinkKind): void {
    this.#links.set(`${a}>${b}`, kindAtA);
    this.#links.set(`${b}>${a}`, kindAtB);
    this.input(a, { type: 'linkUp', link: b, kind: kindAtA, peer: this.nodes.get(b)!.id });
    this.input(b, { type: 'linkUp', link: a, kind: kindAtB, peer: this.nodes.get(a)!.id });
  }

  disconnect(a: string, b: string): void {
    const had = this.#links.delete(`${a}>${b}`);
    const hadBack = this.#links.delete(`${b}>${a}`);
    if (had && !this.#crashed.has(a)) this.input(a, { type: 'linkDown', link: b });
    if (hadBack && !this.#crashed.has(b)) this.input(b, { type: 'linkDown', link: a });
  }

  connected(a: string, b: string): boolean {
    return this.#links.has(`${a}>${b}`);
  }

  /** Splits nodes into groups that cannot reach each other (messages between groups are lost). */
  partition(groups: readonly (readonly string[])[]): void {
    this.#partition.clear();
    groups.forEach((group, index) => group.forEach((name) => this.#partition.set(name, index)));
  }

  heal(): void {
    this.#partition.clear();
  }

  input(name: string, input: Input): Output[] {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node ${name}`);
    if (this.#crashed.has(name)) return [];
    const outputs = handleSync(node, input, this.#now, this.#verify);
    for (const output of outputs) {
      if (output.type === 'send') this.#transmit(name, output.link, output.data);
      else if (output.type === 'signal') this.signals.push({ to: name, from: output.from, data: output.data });
      else if (output.type === 'drop') this.disconnect(name, output.link);
      else if (output.type === 'connect' && this.autoOverlay) this.#overlayConnect(name, output.peer);
    }
    return outputs;
  }

  #overlayConnect(name: string, peerKey: string): void {
    const target = this.#byKey.get(peerKey);
    if (target === undefined || this.#crashed.has(target) || this.connected(name, target) || !this.#reachable(name, target)) return;
    if (!this.nodes.get(target)!.acceptsDirectLink(this.nodes.get(name)!.id)) {
      this.input(name, { type: 'connectFailed', peer: peerKey });
      return;
    }
    this.#links.set(`${name}>${target}`, 'direct');
    this.#links.set(`${target}>${name}`, 'direct');
    this.input(name, { type: 'linkUp', link: target, kind: 'direct', peer: peerKey });
    this.input(target, { type: 'linkUp', link: name, kind: 'direct', peer: this.nodes.get(name)!.id });
  }

  #reachable(a: string, b: string): boolean {
    const ga = this.#partition.get(a);
    const gb = this.#partition.get(b);
    return ga === undefined || gb === undefined || ga === gb;
  }

  #transmit(from: string, to: string, data: string): void {
    const kind = this.#links.get(`${from}>${to}`);
    if (kind === undefined) return;
    this.counters.sent++;
    this.counters.byKind[kind]++;
    if (this.#rng.next() < this.#faults.loss) {
      this.counters.dropped++;
      return;
    }
    const copies = this.#rng.next() < this.#faults.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const at = this.#now + this.#faults.latencyMs + this.#rng.next() * this.#faults.jitterMs;
      this.#enqueue({ at, order: this.#order++, from, to, data });
    }
  }

  #enqueue(delivery: Delivery): void {
    // Binary insertion keeps the queue sorted by (at, order); queues here stay small.
    let lo = 0;
    let hi = this.#queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const other = this.#queue[mid]!;
      if (other.at < delivery.at || (other.at === delivery.at && other.order < delivery.order)) lo = mid + 1;
      else hi = mid;
    }
    this.#queue.splice(lo, 0, delivery);
  }

  /** Advances to the next delivery or timer. Returns false when nothing is left to happen before `until`. */
  step(until: number): boolean {
    let nextTimer = Infinity;
    let timerNode: string | undefined;
    for (const [name, node] of this.nodes) {
      if (this.#crashed.has(name)) continue;
      const wake = node.nextWakeup();
      if (wake !== undefined && wake < nextTimer) {
        nextTimer = wake;
        timerNode = name;
      }
    }
    const nextDelivery = this.#queue[0];
    const at = Math.min(nextTimer, nextDelivery?.at ?? Infinity);
    if (at > until) {
      this.#now = until;
      return false;
    }
    this.#now = Math.max(this.#now, at);
    if (nextDelivery && nextDelivery.at <= nextTimer) {
      this.#queue.shift();
      if (!this.#crashed.has(nextDelivery.to) && this.#links.has(`${nextDelivery.to}>${nextDelivery.from}`) && this.#reachable(nextDelivery.from, nextDelivery.to)) {
        this.counters.delivered++;
        this.input(nextDelivery.to, { type: 'message', link: nextDelivery.from, data: nextDelivery.data });
      } else {
        this.counters.dropped++;
      }
    } else if (timerNode !== undefined) {
      this.input(timerNode, { type: 'tick' });
    }
    return true;
  }

  /** Runs until `done()` holds or virtual time passes `untilMs`; bounded in steps. Returns whether done. */
  runUntil(done: () => boolean, untilMs: number, maxSteps = 2_000_000): boolean {
    const deadline = this.#now + untilMs;
    for (let steps = 0; steps < maxSteps; steps++) {
      if (done()) return true;
      if (!this.step(deadline)) return done();
    }
    return done();
  }

  /** Runs for `ms` of virtual time. */
  runFor(ms: number): void {
    const deadline = this.#now + ms;
    for (let steps = 0; steps < 2_000_000 && this.step(deadline); steps++);
  }
}
