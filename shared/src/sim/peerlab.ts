/**
 * The real protocol engine, unmodified, one `PeerlabNode` per simulated node, over a simulated network:
 * a random bounded-degree overlay of `direct` links (p2p mode), a one-way latency per message, virtual
 * time from an Agenda, every random choice from seeded sources. One node writes `events` chat events;
 * the run measures when every node holds all of them and what it cost.
 *
 * Rounds: the engine has no cycles, so a "round" is one mean link latency (LATENCY_MS + JITTER_MS / 2),
 * the time of one gossip hop; milliseconds are reported too.
 */
import { PeerlabNode, type Output } from '../engine/node.ts';
import { handleSync } from '../net/driveSync.ts';
import type { Rng } from '../net/ports.ts';
import { randomInt, seededRng } from '../net/rng.ts';
import { Agenda } from './scheduler.ts';
import { randomGraph } from './graph.ts';
import type { RunResult } from './runResult.ts';
import { acceptEverySignature, standInKey, standInSigner } from './standIns.ts';

export interface PeerlabParams {
  readonly nodes: number;
  /** Events the origin writes, all at once. */
  readonly events: number;
  /** Target links per node in the overlay. */
  readonly degree: number;
}

/** Base one-way delay of a simulated link, in virtual ms (a LAN-to-WAN WebRTC hop). */
export const LATENCY_MS = 50;
/** Uniform extra delay in [0, JITTER_MS): reorders messages like a real network does. */
export const JITTER_MS = 50;
/** One round = the mean one-way latency. */
export const ROUND_MS = LATENCY_MS + JITTER_MS / 2;
/** Virtual time for links to come up and exchange hellos before the origin writes. */
const WARMUP_MS = 500;
/** Virtual time after the write after which a run stops even if some node still misses events. */
const MAX_RUN_MS = 120_000;
/** The room every simulated node is in. */
const ROOM = 'sim';

type Work = { readonly kind: 'deliver'; readonly from: number; readonly to: number; readonly data: string } | { readonly kind: 'tick'; readonly node: number };

export interface PeerlabRun extends RunResult {
  readonly bytes: number;
  readonly tAvgMs: number;
  readonly tLastMs: number;
  readonly virtualMs: number;
  /** Handle calls made (deliveries and timer ticks), after the write. */
  readonly steps: number;
}

export type Progress = (done: number, total: number, virtualMs: number) => void;

export function runPeerlab(params: PeerlabParams, rng: Rng, progress?: Progress): PeerlabRun {
  const { nodes: n, events, degree } = params;
  const graph = randomGraph(n, degree, rng);
  const admin = standInKey(n + 1);
  const nodes = Array.from({ length: n }, (_, i) => new PeerlabNode({ room: ROOM, role: 'peer', signer: standInSigner(i), rng: seededRng(Math.floor(rng.next() * 2 ** 32)), admin }));
  const agenda = new Agenda<Work>();
  const wake = new Float64Array(n).fill(Infinity);
  const held = new Uint32Array(n);
  const completedAt = new Float64Array(n).fill(-1);
  let now = 0;
  let measuring = false;
  let complete = 0;
  let messages = 0;
  let updateMessages = 0;
  let bytes = 0;
  let steps = 0;

  const perform = (from: number, outputs: readonly Output[]): void => {
    for (const output of outputs) {
      if (output.type === 'send') {
        const to = Number(output.link);
        if (measuring) {
          messages++;
          bytes += output.data.length;
          if (output.message.t === 'events') updateMessages++;
        }
        agenda.schedule(now + LATENCY_MS + rng.next() * JITTER_MS, { kind: 'deliver', from, to, data: output.data });
      } else if (output.type === 'accepted') {
        const holds = held[from]! + output.events.length;
        held[from] = holds;
        if (holds === events && completedAt[from]! < 0) {
          completedAt[from] = now;
          complete++;
        }
      }
    }
    const next = nodes[from]!.nextWakeup();
    if (next !== undefined && next !== wake[from]) {
      wake[from] = next;
      agenda.schedule(next, { kind: 'tick', node: from });
    }
  };
  const input = (i: number, data: Parameters<PeerlabNode['handle']>[0]): void => perform(i, handleSync(nodes[i]!, data, now, acceptEverySignature));

  for (let i = 0; i < n; i++) input(i, { type: 'tick' });
  for (let a = 0; a < n; a++) {
    for (const b of graph[a]!) {
      if (b < a) continue;
      input(a, { type: 'linkUp', link: String(b), kind: 'direct' });
      input(b, { type: 'linkUp', link: String(a), kind: 'direct' });
    }
  }
  drain(WARMUP_MS);

  const origin = randomInt(rng, n);
  const duplicatesBefore = nodes.reduce((sum, node) => sum + node.stats().duplicates, 0);
  const start = now;
  measuring = true;
  for (let e = 0; e < events; e++) input(origin, { type: 'write', kind: 'chat', body: { text: `simulated event ${e}`, name: 'sim' } });
  const informedByRound = [complete];
  let nextSample = start + ROUND_MS;
  let lastProgress = 0;
  while (complete < n && now - start < MAX_RUN_MS) {
    const at = agenda.peekTime();
    if (at === undefined) break;
    while (nextSample <= at && nextSample - start <= MAX_RUN_MS) {
      informedByRound.push(complete);
      nextSample += ROUND_MS;
    }
    step();
    steps++;
    if (progress && complete - lastProgress >= n / 20) {
      lastProgress = complete;
      progress(complete, n, now - start);
    }
  }
  informedByRound.push(complete);

  const duplicates = nodes.reduce((sum, node) => sum + node.stats().duplicates, 0) - duplicatesBefore;
  let sumMs = 0;
  let lastMs = 0;
  for (let i = 0; i < n; i++) {
    if (i === origin || completedAt[i]! < 0) continue;
    sumMs += completedAt[i]! - start;
    lastMs = Math.max(lastMs, completedAt[i]! - start);
  }
  const receivers = Math.max(1, complete - 1);
  return {
    nodes: n,
    susceptible: n - complete,
    updateMessages,
    messages,
    duplicates,
    receiveTimeSum: sumMs / ROUND_MS,
    lastReceive: lastMs / ROUND_MS,
    informedByRound,
    bytes,
    tAvgMs: sumMs / receivers,
    tLastMs: lastMs,
    virtualMs: now - start,
    steps,
  };

  function step(): void {
    const entry = agenda.pop()!;
    now = entry.at;
    const work = entry.item;
    if (work.kind === 'deliver') {
      input(work.to, { type: 'message', link: String(work.from), data: work.data });
    } else if (wake[work.node] === entry.at) {
      wake[work.node] = Infinity;
      input(work.node, { type: 'tick' });
    }
  }

  function drain(untilMs: number): void {
    for (let at = agenda.peekTime(); at !== undefined && at <= untilMs; at = agenda.peekTime()) step();
    now = untilMs;
  }
}
