/**
 * The real protocol engine, unmodified, one `PeerlabNode` per honest simulated node, over a simulated
 * network: virtual time from an Agenda, every random choice from seeded sources, p2p mode.
 *
 * - Graph: `fixed` links a random bounded-degree graph at the start (joiners get `degree` random links)
 *   and refuses the engine's `connect`s; `overlay` lets the engine's own overlay build and repair the
 *   mesh: each node gets a `members` roster (a random sample, see ROSTER_SAMPLE), its `connect`s open a
 *   link after a signalling round trip when the target accepts (`acceptsDirectLink()`), else it gets
 *   `connectFailed`; its `drop`s close the link and the other end gets `linkDown`.
 * - Network: latency distribution, loss, duplication, one partition that splits and heals (network.ts).
 * - Churn: Poisson joins and leaves until `untilMs`; a leave is a silent crash (links stay up on the far
 *   side until the engine's heartbeats suspect them) or graceful (`linkDown` on both sides).
 * - Adversaries: a fraction of nodes that accept links and messages but never send anything.
 * - Writes: `events` chat events, one every `writeIntervalMs`, each by a random live honest node.
 *
 * Times are virtual ms from the first write; a "round" is one mean link latency.
 */
import { PeerlabNode, type Input, type Output } from '../engine/node.ts';
import { DEFAULT_OVERLAY_TIMINGS } from '../engine/overlay.ts';
import { UNLIMITED_FLOOD_CONFIG } from '../engine/floodGuard.ts';
import { handleSync } from '../net/driveSync.ts';
import type { Rng } from '../ports/ports.ts';
import { randomInt, seededRng, shuffled } from '../ports/rng.ts';
import { DeliveryTable, type DeliveryQuantiles } from './deliveries.ts';
import { randomGraph } from './graph.ts';
import { LinkTable } from './links.ts';
import { meanLatency, PERFECT_NETWORK, sampleLatency, type NetworkConditions } from './network.ts';
import { Agenda } from './scheduler.ts';
import { SpreadCounter, type SpreadCounts } from './spread.ts';
import { acceptEverySignature, standInKey, standInSigner } from './standIns.ts';

export type GraphKind = 'fixed' | 'overlay';

export interface Churn {
  /** Nodes joining per virtual second, for the whole network (a Poisson process). */
  readonly joinRate: number;
  /** Nodes leaving per virtual second. */
  readonly leaveRate: number;
  /** Fraction of leaves that are silent crashes; the others close their links. */
  readonly crashFraction: number;
  /** Churn stops this many virtual ms after the first write. */
  readonly untilMs: number;
}

export interface PeerlabParams {
  readonly nodes: number;
  readonly events: number;
  /** Target links per node: the fixed graph's degree, or the engine overlay's target. */
  readonly degree: number;
  readonly graph?: GraphKind;
  readonly network?: NetworkConditions;
  /** Virtual ms between writes (0: all at once). */
  readonly writeIntervalMs?: number;
  readonly churn?: Churn;
  /** Fraction of nodes that drop everything. */
  readonly adversaries?: number;
  /** Turn off periodic anti-entropy, to see what push gossip alone reaches. */
  readonly pushOnly?: boolean;
}

/** Virtual time before the first write: the fixed graph exchanges hellos; the overlay forms and sheds. */
const WARMUP_MS: Readonly<Record<GraphKind, number>> = { fixed: 500, overlay: 3000 };
/** After the last write, churn or partition, a run stops after this long even if some node still misses events. */
const MAX_QUIET_MS = 120_000;
/**
 * Members in the roster each node gets when it starts. A real server sends its whole member list; at
 * 10^5 nodes that would be 10^10 entries, so the simulated server sends a random sample, as a
 * scalable one would, and peer exchange does the rest.
 */
const ROSTER_SAMPLE = 32;
/** Steps between progress reports (the CLI rate-limits them by wall time). */
const PROGRESS_EVERY_STEPS = 8192;
/** The room every simulated node is in. */
const ROOM = 'sim';

type Work =
  | { readonly kind: 'deliver'; readonly link: number; readonly to: number; readonly data: string }
  | { readonly kind: 'tick'; readonly node: number }
  | { readonly kind: 'open'; readonly from: number; readonly to: number; readonly forced: boolean }
  | { readonly kind: 'linkDown'; readonly node: number; readonly link: number }
  | { readonly kind: 'connectFailed'; readonly node: number; readonly peer: string }
  | { readonly kind: 'write' }
  | { readonly kind: 'join' }
  | { readonly kind: 'leave' }
  | { readonly kind: 'split' }
  | { readonly kind: 'heal' };

/** `messages`, `updateMessages` (those carrying events) and their `bytes` count from the first write on, over honest nodes. */
export interface PeerlabRun extends DeliveryQuantiles, SpreadCounts {
  /** Nodes at the start. */
  readonly nodes: number;
  /** Honest nodes that ever ran (traffic is per such node). */
  readonly honestNodes: number;
  readonly adversaries: number;
  readonly liveHonestAtEnd: number;
  readonly eventsWritten: number;
  /** Written events some live honest node held at the end. */
  readonly eventsPresent: number;
  /** Held (live honest node, present event) pairs over all such pairs, at the end. */
  readonly deliveryRatio: number;
  readonly complete: boolean;
  readonly bytes: number;
  /** First receptions, the writer's own excluded (`duplicates`: events received again by a node that held them). */
  readonly deliveries: number;
  readonly joined: number;
  readonly left: number;
  readonly crashed: number;
  readonly roundMs: number;
  /** Fraction informed (deliveryTable.fraction) every `roundMs`, from the first write. */
  readonly informedByRound: readonly number[];
  readonly virtualMs: number;
  /** Handle calls and other agenda steps, from the first write. */
  readonly steps: number;
}

export type Progress = (done: number, total: number, virtualMs: number) => void;

export function runPeerlab(params: PeerlabParams, rng: Rng, progress?: Progress): PeerlabRun {
  const { nodes: n, events, degree } = params;
  const graph = params.graph ?? 'fixed';
  const network = params.network ?? PERFECT_NETWORK;
  const churn = params.churn;
  const roundMs = meanLatency(network.latency);
  const start = WARMUP_MS[graph];
  const admin = standInKey(2 ** 40);
  const config = {
    overlay: { ...DEFAULT_OVERLAY_TIMINGS, degree: { target: degree, low: Math.max(1, Math.round((degree * 2) / 3)), high: 2 * degree } },
    ...(params.pushOnly ? { antiEntropyIntervalMs: Infinity } : {}),
    // Writes here can share one virtual instant (10,000 at once), which no page can; no node floods.
    flood: UNLIMITED_FLOOD_CONFIG,
  };

  const engines: (PeerlabNode | undefined)[] = [];
  const alive: boolean[] = [];
  const adversary: boolean[] = [];
  const side: number[] = [];
  const wake: number[] = [];
  /** Live nodes, in no order, with each one's position, for O(1) random picks and removals. */
  const live: number[] = [];
  const livePos: number[] = [];
  const links = new LinkTable();
  const table = new DeliveryTable(events, n);
  const eventOf = new Map<string, number>();
  const agenda = new Agenda<Work>();
  let liveHonest = 0;
  let honestNodes = 0;
  let partitioned = false;
  let now = 0;
  let measuring = false;
  let currentFrom = -1;
  /** The node whose tick is being handled, or -1. */
  let ticking = -1;
  const traffic = new SpreadCounter();
  let bytes = 0;
  let deliveries = 0;
  let departedDuplicates = 0;
  let joined = 0;
  let left = 0;
  let crashed = 0;
  let steps = 0;
  /** Engine duplicate counts summed when the first write starts the measurement. */
  let duplicatesAtStart = 0;

  // Whole milliseconds, as a browser's Date.now(): with fractional times `(h + 8000) - h` can fall just
  // short of 8000, and the engine's failure detector then asks to be woken at a time it does not act on.
  const latency = (): number => Math.round(sampleLatency(network.latency, rng));
  const apart = (a: number, b: number): boolean => partitioned && side[a] !== side[b];
  const honestLive = (i: number): boolean => alive[i] === true && !adversary[i];
  /**
   * Each node's key, made once: every input that names a peer then passes the same string, which keeps
   * 10^5 copies of each key out of the engines' maps and lets those maps reuse its cached hash.
   */
  const keys: string[] = [];
  const keyOf = (i: number): string => (keys[i] ??= standInKey(i));

  const addNode = (isAdversary: boolean): number => {
    const i = engines.length;
    table.reserve(i + 1);
    adversary.push(isAdversary);
    alive.push(true);
    side.push(partitioned ? randomInt(rng, 2) : 0);
    wake.push(Infinity);
    livePos.push(live.length);
    live.push(i);
    const seed = Math.floor(rng.next() * 2 ** 32);
    if (isAdversary) {
      engines.push(undefined);
      return i;
    }
    engines.push(new PeerlabNode({ room: ROOM, role: 'peer', signer: standInSigner(keyOf(i)), rng: seededRng(seed), admin, config }));
    liveHonest++;
    honestNodes++;
    input(i, { type: 'tick' });
    return i;
  };

  /** Up to `count` distinct live nodes other than `self`, at random. */
  const sampleLive = (self: number, count: number): number[] => {
    if (live.length - 1 <= count) return live.filter((i) => i !== self);
    const picked = new Set<number>();
    while (picked.size < count) {
      const i = live[randomInt(rng, live.length)]!;
      if (i !== self) picked.add(i);
    }
    return [...picked];
  };

  const perform = (from: number, outputs: readonly Output[]): void => {
    for (const output of outputs) {
      switch (output.type) {
        case 'send': {
          const link = Number(output.link);
          if (measuring) {
            traffic.messages++;
            bytes += output.data.length;
            if (output.message.t === 'events') traffic.updateMessages++;
          }
          if (!links.isOpen(link)) break;
          const to = links.other(link, from);
          if (rng.next() < network.loss) break;
          agenda.schedule(now + latency(), { kind: 'deliver', link, to, data: output.data });
          if (network.duplicate > 0 && rng.next() < network.duplicate) agenda.schedule(now + latency(), { kind: 'deliver', link, to, data: output.data });
          break;
        }
        case 'accepted':
          for (const stored of output.events) {
            if (output.local) {
              eventOf.set(stored.id, table.write(from, now - start));
              continue;
            }
            const event = eventOf.get(stored.id);
            if (event === undefined || table.holds(from, event)) continue;
            table.receive(from, event, now - start, currentFrom);
            if (measuring) deliveries++;
          }
          break;
        case 'connect':
          if (graph === 'fixed') agenda.schedule(now, { kind: 'connectFailed', node: from, peer: output.peer });
          else agenda.schedule(now + latency() + latency(), { kind: 'open', from, to: parseInt(output.peer, 16), forced: false });
          break;
        case 'drop': {
          const link = Number(output.link);
          if (!links.isOpen(link)) break;
          links.close(link);
          const other = links.other(link, from);
          if (honestLive(other)) agenda.schedule(now, { kind: 'linkDown', node: other, link });
          break;
        }
        default:
          break;
      }
    }
    const asked = engines[from]?.nextWakeup();
    if (asked === undefined || !Number.isFinite(asked)) return;
    // A wake-up at or before a tick just handled would spin at one instant: defer it by 1 ms.
    const next = asked > now ? asked : ticking === from ? now + 1 : now;
    if (next !== wake[from]) {
      wake[from] = next;
      agenda.schedule(next, { kind: 'tick', node: from });
    }
  };

  function input(i: number, data: Input): void {
    const engine = engines[i];
    if (engine === undefined || !alive[i]) return;
    perform(i, handleSync(engine, data, now, acceptEverySignature));
  }

  const linkUp = (a: number, b: number): void => {
    const link = links.open(a, b);
    const name = links.name(link);
    input(a, { type: 'linkUp', link: name, kind: 'direct', peer: keyOf(b) });
    input(b, { type: 'linkUp', link: name, kind: 'direct', peer: keyOf(a) });
  };

  const leave = (i: number, crash: boolean): void => {
    alive[i] = false;
    const last = live.pop()!;
    if (last !== i) {
      live[livePos[i]!] = last;
      livePos[last] = livePos[i]!;
    }
    const engine = engines[i];
    if (engine !== undefined) {
      departedDuplicates += engine.stats().duplicates;
      liveHonest--;
      table.leave(i);
      engines[i] = undefined;
    }
    left++;
    if (crash) {
      crashed++;
      return;
    }
    for (const link of links.openOf(i)) {
      links.close(link);
      const other = links.other(link, i);
      if (honestLive(other)) agenda.schedule(now, { kind: 'linkDown', node: other, link });
    }
  };

  // ---- the initial network ----
  const adversaryCount = Math.round((params.adversaries ?? 0) * n);
  const isAdversary = new Uint8Array(n);
  for (const i of shuffled(rng, Array.from({ length: n }, (_, i) => i)).slice(0, Math.min(adversaryCount, n - 1))) isAdversary[i] = 1;
  for (let i = 0; i < n; i++) addNode(isAdversary[i] === 1);
  if (graph === 'fixed') {
    const edges = randomGraph(n, degree, rng);
    for (let a = 0; a < n; a++) for (const b of edges[a]!) if (b > a) linkUp(a, b);
  } else {
    for (let i = 0; i < n; i++) if (!adversary[i]) input(i, { type: 'members', peers: sampleLive(i, ROSTER_SAMPLE).map(keyOf) });
  }

  // ---- what happens after the warm-up ----
  const interval = params.writeIntervalMs ?? 0;
  for (let e = 0; e < events; e++) agenda.schedule(start + e * interval, { kind: 'write' });
  let lastDisturbance = (events - 1) * interval;
  const partition = network.partition;
  if (partition) {
    agenda.schedule(start + partition.startMs, { kind: 'split' });
    agenda.schedule(start + partition.endMs, { kind: 'heal' });
    lastDisturbance = Math.max(lastDisturbance, partition.endMs);
  }
  const churnEnd = churn ? start + churn.untilMs : start;
  const nextChurn = (rate: number, kind: 'join' | 'leave', from: number): void => {
    if (rate <= 0) return;
    const at = from - (1000 / rate) * Math.log(1 - rng.next());
    if (at < churnEnd) agenda.schedule(at, { kind });
  };
  if (churn) {
    nextChurn(churn.joinRate, 'join', start);
    nextChurn(churn.leaveRate, 'leave', start);
    lastDisturbance = Math.max(lastDisturbance, churn.untilMs);
  }
  const deadline = start + lastDisturbance + MAX_QUIET_MS;

  const informedByRound: number[] = [];
  let nextSample = start;
  let writesDone = 0;
  let complete = false;
  for (;;) {
    const at = agenda.peekTime();
    if (at === undefined || at > deadline) break;
    if (measuring) {
      while (nextSample <= at) {
        informedByRound.push(table.fraction(liveHonest));
        nextSample += roundMs;
      }
      steps++;
      if (progress && steps % PROGRESS_EVERY_STEPS === 0) progress(table.held, table.present * liveHonest, now - start);
    }
    step();
    if (writesDone === events && now >= start + lastDisturbance && table.complete(liveHonest)) {
      complete = true;
      break;
    }
  }
  informedByRound.push(table.fraction(liveHonest));

  const liveHonestNodes = live.filter((i) => !adversary[i]).sort((a, b) => a - b);
  const duplicates = departedDuplicates + liveHonestNodes.reduce((sum, i) => sum + engines[i]!.stats().duplicates, 0) - duplicatesAtStart;
  return {
    nodes: n,
    honestNodes,
    adversaries: adversaryCount,
    liveHonestAtEnd: liveHonest,
    eventsWritten: table.written,
    eventsPresent: table.present,
    deliveryRatio: table.present === 0 ? 1 : table.fraction(liveHonest),
    complete,
    messages: traffic.messages,
    updateMessages: traffic.updateMessages,
    bytes,
    duplicates,
    deliveries,
    joined,
    left,
    crashed,
    roundMs,
    informedByRound,
    virtualMs: now - start,
    steps,
    ...table.quantiles(liveHonestNodes),
  };

  function step(): void {
    const entry = agenda.pop()!;
    now = entry.at;
    const work = entry.item;
    switch (work.kind) {
      case 'deliver':
        if (!links.isOpen(work.link) || !alive[work.to] || apart(work.to, links.other(work.link, work.to))) return;
        currentFrom = links.other(work.link, work.to);
        input(work.to, { type: 'message', link: links.name(work.link), data: work.data });
        currentFrom = -1;
        return;
      case 'tick':
        if (wake[work.node] !== entry.at) return;
        wake[work.node] = Infinity;
        ticking = work.node;
        input(work.node, { type: 'tick' });
        ticking = -1;
        return;
      case 'open': {
        const { from, to } = work;
        if (!alive[from]) return;
        const target = engines[to];
        const accepts = adversary[to] === true || (target !== undefined && target.acceptsDirectLink(keyOf(from)));
        if (from === to || !alive[to] || apart(from, to) || links.linked(from, to) || (!work.forced && !accepts)) {
          if (!work.forced) input(from, { type: 'connectFailed', peer: keyOf(to) });
          return;
        }
        linkUp(from, to);
        return;
      }
      case 'linkDown':
        input(work.node, { type: 'linkDown', link: links.name(work.link) });
        return;
      case 'connectFailed':
        input(work.node, { type: 'connectFailed', peer: work.peer });
        return;
      case 'write': {
        if (!measuring) {
          measuring = true;
          duplicatesAtStart = live.reduce((sum, i) => sum + (engines[i]?.stats().duplicates ?? 0), 0);
        }
        writesDone++;
        let writer = live[randomInt(rng, live.length)]!;
        // At most 90 % adversaries (options.ts), so this takes a few tries at most.
        while (adversary[writer]) writer = live[randomInt(rng, live.length)]!;
        input(writer, { type: 'write', kind: 'chat', body: { text: `simulated event ${writesDone - 1}`, name: 'sim' } });
        return;
      }
      case 'join': {
        joined++;
        const i = addNode(rng.next() < (params.adversaries ?? 0));
        const partners = sampleLive(i, graph === 'fixed' ? degree : ROSTER_SAMPLE);
        if (graph === 'fixed') for (const b of partners) agenda.schedule(now + latency() + latency(), { kind: 'open', from: i, to: b, forced: true });
        else input(i, { type: 'members', peers: partners.map(keyOf) });
        nextChurn(churn!.joinRate, 'join', now);
        return;
      }
      case 'leave': {
        const i = live[randomInt(rng, live.length)]!;
        // Keep two honest nodes, so there is always someone to write and someone to receive.
        if (adversary[i] || liveHonest > 2) leave(i, rng.next() < churn!.crashFraction);
        nextChurn(churn!.leaveRate, 'leave', now);
        return;
      }
      case 'split': {
        partitioned = true;
        const order = shuffled(rng, Array.from({ length: engines.length }, (_, i) => i));
        order.forEach((node, k) => (side[node] = k < order.length / 2 ? 0 : 1));
        return;
      }
      case 'heal':
        partitioned = false;
        return;
      default:
        throw new Error(`unreachable: ${JSON.stringify(work satisfies never)}`);
    }
  }
}
