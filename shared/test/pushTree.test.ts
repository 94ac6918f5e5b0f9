import { describe, expect, it } from 'vitest';
import { encodeEvents, encodeMessage, eventText, MemoryNetwork, PeerlabNode, protocolVersion, seededRng, signingBytes, toHex, type LinkFaults, type NodeConfig, type SignedEvent } from '../src/index.ts';
import { heldId, PendingEvents } from '../src/engine/eventIntake.ts';
import { eventId } from '../src/engine/event.ts';
import type { Input } from '../src/engine/nodeIo.ts';
import { handleSync } from '../src/net/driveSync.ts';
import { countBeyond, PULL_IDLE_MS, PULL_MAX_MS, Pulls } from '../src/engine/catchUp.ts';
import { EventStore } from '../src/engine/store.ts';
import { LinkTable } from '../src/engine/linkTable.ts';
import { AnnouncedMissing, graftCandidates, GRAFT_RETRIES, GRAFT_RETRY_MS, GRAFT_VERDICT_MS, GRAFT_WAIT_MAX_MS, GRAFT_WAIT_MS, GraftWait, HAVE_DELAY_MAX_MS, HAVE_DELAY_MS, haveDelayFor, HaveSchedule, PendingGrafts, relaysToPrune, shouldPrune, startsLazy } from '../src/engine/pushTree.ts';
import { ADMIN, keyPairFor, nodeSigner, nodeVerify } from './helpers.ts';

const CALM: LinkFaults = { loss: 0, duplicate: 0, latencyMs: 5, jitterMs: 5 };
const TREE = protocolVersion(1, 2);

function peer(name: string, seed: number, config: Partial<NodeConfig> = {}, protocol = TREE): PeerlabNode {
  return new PeerlabNode({ room: 'lab', role: 'peer', signer: nodeSigner(keyPairFor(name)), rng: seededRng(seed), admin: ADMIN.publicKey, protocol, config });
}

/** A room whose links come from the nodes' own overlay (degree 6), settled. */
function overlayRoom(n: number, seed: number, config: Partial<NodeConfig> = {}, protocolOf: (i: number) => typeof TREE = () => TREE) {
  const net = new MemoryNetwork(seededRng(seed), nodeVerify, CALM);
  net.autoOverlay = true;
  const names = Array.from({ length: n }, (_, i) => `n${i}`);
  names.forEach((name, i) => net.add(name, peer(name, seed * 1000 + i, config, protocolOf(i))));
  net.announceRoster();
  net.runFor(5_000);
  return { net, names };
}

function totals(net: MemoryNetwork, names: readonly string[]) {
  let duplicates = 0;
  let messages = 0;
  for (const name of names) {
    const stats = net.nodes.get(name)!.stats();
    duplicates += stats.duplicates;
    messages += stats.sent.direct.messages;
  }
  return { duplicates, messages };
}

function held(net: MemoryNetwork, names: readonly string[]): number[] {
  return names.map((name) => net.nodes.get(name)!.store.size);
}

/** Writes `events` chats from rotating nodes, one every 50 ms, and lets them spread. */
function stream(net: MemoryNetwork, names: readonly string[], events: number): boolean {
  const before = Math.min(...held(net, names));
  for (let i = 0; i < events; i++) {
    net.input(names[(i * 7) % names.length]!, { type: 'write', kind: 'chat', body: { text: `e${i}`, name: 'n' } });
    net.runFor(50);
  }
  return net.runUntil(() => held(net, names).every((count) => count === before + events), 10_000);
}

describe('push tree', () => {
  it('once the tree has formed, an event costs about one body per member, not one per link, whatever the room size', () => {
    const perDelivery: number[] = [];
    for (const n of [8, 16, 32]) {
      const { net, names } = overlayRoom(n, n);
      expect(stream(net, names, 5)).toBe(true); // the first events flood, and prune the cycles they find
      net.runFor(2_000);
      const before = totals(net, names);
      expect(stream(net, names, 40)).toBe(true);
      const after = totals(net, names);
      const deliveries = 40 * (n - 1);
      const duplicates = (after.duplicates - before.duplicates) / deliveries;
      perDelivery.push(duplicates);
      expect(duplicates, `duplicates per delivery at ${n}`).toBeLessThan(0.25);
      // Bodies, `have`s, heartbeats and summaries together, per event and member: bounded, not growing with n.
      expect((after.messages - before.messages) / 40 / n, `messages per event and member at ${n}`).toBeLessThan(8);
    }
    // A flood over a degree-6 mesh sends about five duplicates per delivery; the tree's stay bounded as n grows.
    expect(perDelivery[2]!).toBeLessThan(perDelivery[0]! + 0.2);
  });

  it('a lost tree link is repaired by the lazy links, without anti-entropy', () => {
    const { net, names } = overlayRoom(12, 5, { antiEntropyIntervalMs: Infinity });
    expect(stream(net, names, 5)).toBe(true);
    net.runFor(1_000);
    // Cut every link of one node but one: whatever it was in the tree, its side must graft around the cut.
    const victim = names[3]!;
    const linked = [...net.nodes.get(victim)!.links().keys()];
    for (const other of linked.slice(1)) net.disconnect(victim, other);
    expect(stream(net, names, 10)).toBe(true);
  });

  it('older pages (1.1) between newer ones keep flooding and never get a push-tree message', () => {
    const old = protocolVersion(1, 1);
    const { net, names } = overlayRoom(10, 9, {}, (i) => (i % 3 === 0 ? old : TREE));
    expect(stream(net, names, 20)).toBe(true);
    for (const [i, name] of names.entries()) {
      const schema = net.nodes.get(name)!.stats().rejections.schema;
      expect(schema, `${name} (${i % 3 === 0 ? '1.1' : '1.2'})`).toBe(0);
    }
  });
});

describe('push tree bookkeeping', () => {
  it('prunes an eager tree link that brought a duplicate, but never the last eager one, nor a link of an older remote', () => {
    const links = new LinkTable();
    links.set('a', { kind: 'direct', reported: {}, remote: TREE, tree: true });
    links.set('b', { kind: 'direct', reported: {}, remote: TREE, tree: true });
    links.set('old', { kind: 'direct', reported: {}, remote: protocolVersion(1, 1), tree: false });
    expect(shouldPrune(links, 'old')).toBe(false);
    expect(shouldPrune(links, 'a')).toBe(true);
    links.get('a')!.lazy = true;
    links.delete('old');
    expect(shouldPrune(links, 'b')).toBe(false); // the last eager link stays
  });

  it('relayed pairs start lazy and are pruned once a direct link is eager; a node with no eager link grafts one', () => {
    const links = new LinkTable();
    links.set('r1', { kind: 'relay', reported: {}, remote: TREE, tree: true });
    links.set('r2', { kind: 'relay', reported: {}, remote: TREE, tree: true });
    expect(startsLazy(links.get('r1')!)).toBe(true);
    for (const id of ['r1', 'r2']) links.get(id)!.lazy = true;
    expect(graftCandidates(links)).toEqual(['r1', 'r2']); // only relayed pairs, all lazy: bodies must come over one
    links.get('r1')!.lazy = false;
    expect(graftCandidates(links)).toEqual([]);
    expect(relaysToPrune(links)).toEqual([]); // no direct link yet: the relay stays eager
    links.set('d', { kind: 'direct', reported: {}, remote: TREE, tree: true });
    expect(startsLazy(links.get('d')!)).toBe(false);
    expect(relaysToPrune(links)).toEqual(['r1']);
  });

  it('announces new events to lazy tree links only, once per period, not back to where they came from', () => {
    const schedule = new HaveSchedule(() => 100);
    const links = new LinkTable();
    links.set('lazy', { kind: 'direct', reported: {}, remote: TREE, tree: true, lazy: true });
    links.set('source', { kind: 'direct', reported: {}, remote: TREE, tree: true, lazy: true });
    links.set('eager', { kind: 'direct', reported: {}, remote: TREE, tree: true });
    links.set('old', { kind: 'direct', reported: {}, remote: protocolVersion(1, 1), tree: false, lazy: true });
    const stored = (id: string) => ({ id, size: 0, event: { v: 1, room: 'lab', author: 'x', seq: 1, lamport: 1, kind: 'chat', body: {}, sig: '' } });
    expect(schedule.due).toBeUndefined();
    schedule.note(stored('e1'), 'source', 10);
    schedule.note(stored('e2'), undefined, 50);
    expect(schedule.due).toBe(110);
    expect(schedule.take(109, links, () => true)).toEqual([]);
    expect(schedule.take(110, links, () => true)).toEqual([
      ['lazy', ['e1', 'e2']],
      ['source', ['e2']],
    ]);
    expect(schedule.due).toBeUndefined();
  });
});

describe('the receive path before validation', () => {
  const signer = nodeSigner(keyPairFor('alice'));
  const unsigned = { v: 1, room: 'lab', author: signer.publicKey, seq: 1, lamport: 1, kind: 'chat', body: { text: 'hi', name: 'alice' } };
  const event: SignedEvent = { ...unsigned, sig: toHex(signer.sign(signingBytes(unsigned))) };

  it('knows the very event it holds or is verifying by a lookup, and leaves any other copy to the decoder', () => {
    const store = new EventStore();
    const pending = new PendingEvents();
    const raw = (value: SignedEvent | Record<string, unknown>) => JSON.parse(JSON.stringify(value)) as unknown;
    expect(heldId(raw(event), store, pending)).toBeUndefined();
    pending.add('pending-id', event, 'l');
    expect(heldId(raw(event), store, pending)).toBe('pending-id');
    pending.take('pending-id');
    store.add(event, 'held-id');
    expect(heldId(raw(event), store, pending)).toBe('held-id');
    // A tampered body under the same signature, an extra field, another signature: not the same event.
    expect(heldId(raw({ ...event, body: { text: 'HI', name: 'alice' } }), store, pending)).toBeUndefined();
    expect(heldId(raw({ ...event, extra: 1 }), store, pending)).toBeUndefined();
    expect(heldId(raw({ ...event, sig: 'ab'.repeat(64) }), store, pending)).toBeUndefined();
    expect(heldId('nonsense', store, pending)).toBeUndefined();
  });

  it('encodes a batch of events from each event’s canonical text made once: the message the encoder makes, in canonical key order', () => {
    const events = [event, { ...event, seq: 2 }];
    const batch = encodeEvents(events);
    expect(JSON.parse(batch)).toEqual(JSON.parse(encodeMessage({ t: 'events', events })));
    expect(batch).toBe(`{"t":"events","events":[${events.map(eventText).join(',')}]}`);
    expect(encodeEvents([])).toBe(encodeMessage({ t: 'events', events: [] }));
  });
});

describe('pending grafts', () => {
  it('asks the announcing link again until the events arrive, the link goes or the retries run out', () => {
    const grafts = new PendingGrafts();
    const held = new Set<string>();
    const up = new Set(['a', 'b']);
    grafts.asked(['x', 'y'], 'a', 0);
    grafts.asked(['z'], 'b', 0);
    expect(grafts.due).toBe(GRAFT_RETRY_MS);
    expect([...grafts.take(GRAFT_RETRY_MS - 1, (id) => held.has(id), (link) => up.has(link))]).toEqual([]);
    held.add('y');
    expect([...grafts.take(GRAFT_RETRY_MS, (id) => held.has(id), (link) => up.has(link))]).toEqual([['a', ['x']], ['b', ['z']]]);
    up.delete('b');
    let asks = 1;
    for (let t = 2; t <= GRAFT_RETRIES + 2; t++) asks += grafts.take(t * GRAFT_RETRY_MS, (id) => held.has(id), (link) => up.has(link)).get('a')?.length ?? 0;
    expect(asks).toBe(GRAFT_RETRIES);
    expect(grafts.due).toBeUndefined();
  });
});

describe('announced but missing', () => {
  it('grafts the first announcer only once the tree has had GRAFT_WAIT_MS to bring the event', () => {
    const announced = new AnnouncedMissing();
    const held = new Set<string>();
    const up = new Set(['a', 'b']);
    announced.heard(['x', 'y'], 'a', 0);
    announced.heard(['x', 'z'], 'b', 50); // x: a announced it first
    expect(announced.due).toBe(GRAFT_WAIT_MS);
    expect([...announced.take(GRAFT_WAIT_MS - 1, (id) => held.has(id), (link) => up.has(link))]).toEqual([]);
    held.add('y'); // the tree brought it in time: no graft
    expect([...announced.take(GRAFT_WAIT_MS, (id) => held.has(id), (link) => up.has(link))]).toEqual([['a', ['x']]]);
    expect(announced.due).toBe(50 + GRAFT_WAIT_MS);
    up.delete('b');
    expect([...announced.take(50 + GRAFT_WAIT_MS, (id) => held.has(id), (link) => up.has(link))]).toEqual([]);
    expect(announced.due).toBeUndefined();
  });

  it('waits as long as the graft wait says at the time', () => {
    let wait = 600;
    const announced = new AnnouncedMissing(() => wait);
    announced.heard(['x'], 'a', 0);
    expect(announced.due).toBe(600);
    expect([...announced.take(599, () => false, () => true)]).toEqual([]);
    wait = 300;
    expect([...announced.take(300, () => false, () => true)]).toEqual([['a', ['x']]]);
  });
});

describe('the graft wait', () => {
  it('a node grafts a lazy link after the wait, and stretches it when the tree brings the event first', () => {
    const node = peer('me', 1);
    const [b, c] = [keyPairFor('b').publicKey, keyPairFor('c').publicKey];
    const signer = nodeSigner(keyPairFor('alice'));
    const unsigned = { v: 1, room: 'lab', author: signer.publicKey, seq: 1, lamport: 1, kind: 'chat', body: { text: 'hi', name: 'alice' } };
    const event: SignedEvent = { ...unsigned, sig: toHex(signer.sign(signingBytes(unsigned))) };
    const id = eventId(event);
    const hello = (key: string) => encodeMessage({ t: 'hello', v: TREE.major, minor: TREE.minor, features: [...TREE.features], room: 'lab', peer: key, vv: {} });
    const input = (inputValue: Input, at: number) => handleSync(node, inputValue, at, nodeVerify);
    for (const [link, key] of [['lb', b], ['lc', c]] as const) {
      input({ type: 'linkUp', link, kind: 'direct', peer: key }, 0);
      input({ type: 'message', link, data: hello(key) }, 0);
    }
    input({ type: 'message', link: 'lb', data: encodeMessage({ t: 'prune' }) }, 10); // lb is lazy now
    input({ type: 'message', link: 'lb', data: encodeMessage({ t: 'have', ids: [id] }) }, 20);
    const early = input({ type: 'tick' }, 20 + GRAFT_WAIT_MS - 1);
    expect(early.filter((o) => o.type === 'send' && o.message.t === 'graft')).toEqual([]);
    const due = input({ type: 'tick' }, 20 + GRAFT_WAIT_MS);
    expect(due.filter((o) => o.type === 'send' && o.message.t === 'graft').map((o) => o.type === 'send' && o.link)).toEqual(['lb']);
    input({ type: 'message', link: 'lc', data: encodeEvents([event]) }, 300); // the tree's copy comes first
    input({ type: 'message', link: 'lb', data: encodeEvents([event]) }, 320);
    expect(node.stats().tree).toEqual({ graftWaitMs: GRAFT_WAIT_MS * 1.25, needlessGrafts: 1, usefulGrafts: 0 });
  });

  it('stretches while the tree brings first what grafts asked for, up to its bound', () => {
    const wait = new GraftWait();
    expect(wait.waitMs).toBe(GRAFT_WAIT_MS);
    wait.grafted(['x', 'y'], 'lazy', 0);
    wait.arrived('x', 'tree', 10); // the tree was only slow
    wait.arrived('x', 'lazy', 20); // the graft's answer: a duplicate, already judged
    wait.arrived('y', 'lazy', 20); // the same graft: judged once
    expect(wait.waitMs).toBe(GRAFT_WAIT_MS * 1.25);
    expect(wait.verdicts).toEqual({ needless: 1, useful: 0 });
    for (let i = 0; i < 40; i++) {
      wait.grafted([`e${i}`], 'lazy', 100 + i);
      wait.arrived(`e${i}`, 'tree', 100 + i);
    }
    expect(wait.waitMs).toBe(GRAFT_WAIT_MAX_MS);
  });

  it('shrinks back when the grafted link brings it first (a cut tree, or a faster path), down to its floor', () => {
    const wait = new GraftWait();
    for (let i = 0; i < 5; i++) {
      wait.grafted([`n${i}`], 'lazy', i);
      wait.arrived(`n${i}`, 'tree', i);
    }
    const stretched = wait.waitMs;
    wait.grafted(['cut'], 'lazy', 10);
    wait.arrived('cut', 'lazy', 15);
    expect(wait.waitMs).toBeCloseTo(stretched * 0.8);
    for (let i = 0; i < 40; i++) {
      wait.grafted([`c${i}`], 'lazy', 20 + i);
      wait.arrived(`c${i}`, 'lazy', 20 + i);
    }
    expect(wait.waitMs).toBe(GRAFT_WAIT_MS);
  });

  it('sets the have period: half the wait, so lazy links hear less often while grafts wait long', () => {
    expect(haveDelayFor(GRAFT_WAIT_MS)).toBe(HAVE_DELAY_MS);
    expect(haveDelayFor(1000)).toBe(500);
    expect(haveDelayFor(GRAFT_WAIT_MAX_MS)).toBe(HAVE_DELAY_MAX_MS);
  });

  it('forgets a graft nothing answered within the verdict window: a late copy judges nothing', () => {
    const wait = new GraftWait();
    wait.grafted(['x'], 'lazy', 0);
    wait.grafted(['y'], 'lazy', GRAFT_VERDICT_MS); // expires the first
    wait.arrived('x', 'tree', GRAFT_VERDICT_MS + 1);
    expect(wait.verdicts).toEqual({ needless: 0, useful: 0 });
    expect(wait.waitMs).toBe(GRAFT_WAIT_MS);
  });
});

describe('catch-up by pull', () => {
  /** a and b hold `events` that r lacks; r links to both at once. Returns the copies r received beyond one each. */
  function returning(events: number, protocol = TREE): { duplicates: number; held: number } {
    const net = new MemoryNetwork(seededRng(9), nodeVerify, CALM);
    net.add('a', peer('a', 1));
    net.add('b', peer('b', 2));
    net.add('r', peer('r', 3, {}, protocol));
    net.connect('a', 'direct', 'b', 'direct');
    for (let i = 0; i < events; i++) net.input(i % 2 === 0 ? 'a' : 'b', { type: 'write', kind: 'chat', body: { text: `missed ${i}`, name: 'n' } });
    expect(net.runUntil(() => net.nodes.get('b')!.store.size === events && net.nodes.get('a')!.store.size === events, 10_000)).toBe(true);
    net.runFor(2_000); // long missed: nothing is still spreading over the tree
    net.connect('r', 'direct', 'a', 'direct');
    net.connect('r', 'direct', 'b', 'direct');
    const r = net.nodes.get('r')!;
    net.runUntil(() => r.store.size === events, 10_000);
    net.runFor(3_000); // copies still on their way count too
    return { duplicates: r.stats().duplicates, held: r.store.size };
  }

  it('a page returning to two members that hold what it missed gets each event once, not once per link', () => {
    const pulled = returning(300);
    expect(pulled.held).toBe(300);
    expect(pulled.duplicates).toBe(0);
    // The same return with a page that does not pull (1.1): both hellos are answered with everything.
    const pushed = returning(300, protocolVersion(1, 1));
    expect(pushed.held).toBe(300);
    expect(pushed.duplicates).toBeGreaterThan(250);
  });
});

describe('pulls under way', () => {
  const all = (): boolean => true;
  it('raise a summary by what they promise, for the authors let through, and lapse when nothing comes', () => {
    const pulls = new Pulls();
    pulls.pulling('a', { x: 10, y: 4 }, 0);
    expect(pulls.expected({ x: 2, y: 6 }, 100, all)).toEqual({ x: 10, y: 6 });
    expect(pulls.expected({ x: 2 }, 100, (author) => author === 'y')).toEqual({ x: 2, y: 4 });
    pulls.progress('a', PULL_IDLE_MS - 1); // events came: the promise holds on
    expect(pulls.expected({}, PULL_IDLE_MS + 10, all)).toEqual({ x: 10, y: 4 });
    expect(pulls.expected({}, 2 * PULL_IDLE_MS, all)).toEqual({});
    pulls.pulling('b', { x: 3 }, 0);
    pulls.linkDown('b');
    expect(pulls.expected({ x: 1 }, 1, all)).toEqual({ x: 1 });
  });

  it('never hold on past PULL_MAX_MS, however the events trickle', () => {
    const pulls = new Pulls();
    pulls.pulling('a', { x: 10 }, 0);
    for (let t = 1000; t < PULL_MAX_MS + 2000; t += 1000) pulls.progress('a', t);
    expect(pulls.expected({}, PULL_MAX_MS, () => true)).toEqual({});
  });

  it('countBeyond: events named beyond a summary, by the authors let through', () => {
    expect(countBeyond({ x: 3 }, { x: 3 }, () => true)).toBe(0);
    expect(countBeyond({ x: 4, y: 2 }, { x: 1 }, () => true)).toBe(5);
    expect(countBeyond({ x: 4, y: 2 }, { x: 1 }, (author) => author !== 'x')).toBe(2);
  });
});
