/**
 * What one incoming event costs a peer holding no history and one holding 50,000 events (run: npx tsx
 * shared/test/historyCost.bench.ts [EVENTS]): the engine's receive path (decode, id, checks, the
 * signature check through node:crypto, the store, push) plus the refresh a page then makes of what
 * derives from the events (digest, count, chat window, board, ledger, not-understood count), per event.
 * For contrast, the refresh as it was before the folds: every view rebuilt from every event.
 * CPU time of the process (not wall time, which on a shared machine is mostly the others' load), in
 * batches, interleaved rounds. A benchmark, not a test: it prints p50 and p95, and asserts nothing.
 */
import { BoardFold, boardView, ChatWindow, chatView, CURRENT_PROTOCOL, handleSync, ledgerView, notUnderstood, PIXEL_COLORS, shortHash, signingBytes, toHex, utf8, type PeerlabNode, type SignedEvent, type Signer } from '../src/index.ts';
import { keyPairFor, makeNode, nodeSigner, nodeVerify } from './helpers.ts';

const HISTORY = Number(process.argv[2] ?? 50_000);
const INCOMING = 400;
const ROUNDS = 4;

function sign(signer: Signer, seq: number, lamport: number, kind: string, body: unknown): SignedEvent {
  const unsigned = { v: 1, room: 'lab', author: signer.publicKey, seq, lamport, kind, body };
  return { ...unsigned, sig: toHex(signer.sign(signingBytes(unsigned))) };
}

/** The page benchmark's mix: mostly chat, a quarter pixels, a few transfers. */
function history(count: number): SignedEvent[] {
  const signer = nodeSigner(keyPairFor('history author'));
  return Array.from({ length: count }, (_, i) => {
    const seq = i + 1;
    const pick = seq % 100;
    if (pick === 0) return sign(signer, seq, seq, 'transfer', { from: 'fund', to: `acct${seq % 7}`, amount: 1 });
    if (pick < 25) return sign(signer, seq, seq, 'pixel', { x: seq % 16, y: (seq >> 4) % 16, color: PIXEL_COLORS[seq % PIXEL_COLORS.length]! });
    return sign(signer, seq, seq, 'chat', { text: `history message ${seq}: about a hundred bytes of text, as a class would type them.`, name: 'Alum' });
  });
}

interface Peer {
  readonly node: PeerlabNode;
  readonly chat: ChatWindow;
  readonly board: BoardFold;
}

function peer(held: readonly SignedEvent[], writer: string): Peer {
  const node = makeNode('reader');
  if (held.length > 0) node.handle({ type: 'restore', events: held.map((event) => ({ event })) }, 0);
  node.handle({ type: 'linkUp', link: 'peer:w', kind: 'direct', peer: writer }, 0);
  const views = { node, chat: new ChatWindow(node.store), board: new BoardFold(node.store) };
  refresh(views);
  return views;
}

/** What PeerSession's refresh reads of the events after one arrived. */
function refresh({ node, chat, board }: Peer): void {
  void node.store.digest();
  void node.store.size;
  chat.update();
  board.update();
  node.ledger();
  notUnderstood(node.store.kindCounts(), CURRENT_PROTOCOL);
}

/** The refresh before the folds: every view rebuilt from every event, and the digest a hash of every id sorted. */
function refreshFromScratch(node: PeerlabNode): void {
  const events = [...node.store.events()];
  shortHash(utf8(events.map((stored) => stored.id).sort().join(',')));
  chatView(events);
  boardView(events);
  ledgerView(events, { server: undefined, strict: false });
}

function quantiles(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `p50 ${(at(0.5) * 1000).toFixed(0)} µs, p95 ${(at(0.95) * 1000).toFixed(0)} µs`;
}

const held = history(HISTORY);
const writer = nodeSigner(keyPairFor('writer'));
const incoming = Array.from({ length: ROUNDS * INCOMING }, (_, i) => sign(writer, i + 1, HISTORY + i + 1, 'chat', { text: `incoming ${i + 1}`, name: 'W' }));
const peers = { 0: peer([], writer.publicKey), [HISTORY]: peer(held, writer.publicKey) } as Record<number, Peer>;
const samples = new Map<number, { receive: number[]; refresh: number[] }>([0, HISTORY].map((n) => [n, { receive: [], refresh: [] }]));

/** Events timed together: this machine is shared, so single events' times are mostly the others' load. */
const BATCH = 20;
/** CPU time of this process in ms: time the scheduler gave another process is not counted. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

for (let round = 0; round < ROUNDS; round++) {
  for (const n of round % 2 === 0 ? [0, HISTORY] : [HISTORY, 0]) {
    const views = peers[n]!;
    const into = samples.get(n)!;
    const events = incoming.slice(round * INCOMING, (round + 1) * INCOMING);
    for (let i = 0; i < events.length; i += BATCH) {
      let receive = 0;
      let after = 0;
      for (const event of events.slice(i, i + BATCH)) {
        const data = JSON.stringify({ t: 'events', events: [event] });
        let start = cpuMs();
        handleSync(views.node, { type: 'message', link: 'peer:w', data }, 1, nodeVerify);
        receive += cpuMs() - start;
        start = cpuMs();
        refresh(views);
        after += cpuMs() - start;
      }
      into.receive.push(receive / BATCH);
      into.refresh.push(after / BATCH);
    }
  }
}

for (const n of [0, HISTORY]) {
  const { receive, refresh: after } = samples.get(n)!;
  console.log(`holding ${n} events, CPU per incoming event (means of batches of ${BATCH}): receive ${quantiles(receive)}; refresh ${quantiles(after)}; both ${quantiles(receive.map((ms, i) => ms + after[i]!))}`);
}
const at = (samples: number[], q: number) => [...samples].sort((a, b) => a - b)[Math.floor(q * samples.length)]!;
const both = (n: number) => samples.get(n)!.receive.map((ms, i) => ms + samples.get(n)!.refresh[i]!);
console.log(`ratio ${HISTORY} held / none: p50 ${(at(both(HISTORY), 0.5) / at(both(0), 0.5)).toFixed(2)}, p95 ${(at(both(HISTORY), 0.95) / at(both(0), 0.95)).toFixed(2)}`);
const before: number[] = [];
for (let i = 0; i < 5; i++) {
  const start = cpuMs();
  refreshFromScratch(peers[HISTORY]!.node);
  before.push(cpuMs() - start);
}
console.log(`for contrast, one refresh rebuilt from all ${HISTORY + ROUNDS * INCOMING} events (the code before the folds): ${quantiles(before)}`);
