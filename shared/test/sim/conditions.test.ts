/**
 * The engine under hostile network conditions: the property, every event held by a live honest
 * peer reaches every live honest peer, for schedules of loss, duplication, reordering (latency
 * distributions), a partition that heals and churn that stops; and delivery despite droppers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/ports/rng.ts';
import type { Latency } from '../../src/sim/network.ts';
import { runPeerlab, type PeerlabParams } from '../../src/sim/peerlab.ts';

const latencies: fc.Arbitrary<Latency> = fc.oneof(
  fc.record({ kind: fc.constant('fixed' as const), ms: fc.integer({ min: 10, max: 100 }) }),
  fc.integer({ min: 5, max: 60 }).chain((min) => fc.record({ kind: fc.constant('uniform' as const), min: fc.constant(min), max: fc.integer({ min, max: 200 }) })),
  fc.record({ kind: fc.constant('exp' as const), mean: fc.integer({ min: 10, max: 120 }) }),
);

const schedules: fc.Arbitrary<PeerlabParams> = fc.record({
  nodes: fc.integer({ min: 100, max: 200 }),
  events: fc.integer({ min: 1, max: 6 }),
  degree: fc.constant(6),
  graph: fc.constant('overlay' as const),
  writeIntervalMs: fc.integer({ min: 0, max: 2000 }),
  network: fc.record({
    latency: latencies,
    loss: fc.double({ min: 0, max: 0.3, noNaN: true }),
    duplicate: fc.double({ min: 0, max: 0.3, noNaN: true }),
    partition: fc.option(
      fc.integer({ min: 0, max: 5000 }).chain((startMs) => fc.record({ startMs: fc.constant(startMs), endMs: fc.integer({ min: startMs + 1, max: startMs + 15_000 }) })),
      { nil: undefined },
    ),
  }),
  churn: fc.record({
    joinRate: fc.double({ min: 0, max: 5, noNaN: true }),
    leaveRate: fc.double({ min: 0, max: 5, noNaN: true }),
    crashFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    untilMs: fc.integer({ min: 0, max: 8000 }),
  }),
});

describe('every event held by a live honest node reaches every live honest node', () => {
  it('under loss, duplication, reordering, a healing partition and churn that stops', () => {
    fc.assert(
      fc.property(schedules, fc.integer({ min: 0, max: 2 ** 31 }), (params, seed) => {
        const run = runPeerlab(params, seededRng(seed));
        expect(run.complete).toBe(true);
        expect(run.deliveryRatio).toBe(1);
        expect(run.residue).toBe(0);
        expect(run.eventsPresent).toBeGreaterThan(0);
      }),
      { numRuns: 8, seed: 20_26 },
    );
  });

  it('a churn run (a third crashes) ends complete among the nodes alive at the end', () => {
    const run = runPeerlab(
      { nodes: 200, events: 10, degree: 6, graph: 'overlay', writeIntervalMs: 500, churn: { joinRate: 4, leaveRate: 4, crashFraction: 1 / 3, untilMs: 8000 } },
      seededRng(3),
    );
    expect(run.left).toBeGreaterThan(10);
    expect(run.crashed).toBeGreaterThan(0);
    expect(run.joined).toBeGreaterThan(10);
    expect(run.liveHonestAtEnd).toBeLessThan(200 + run.joined);
    expect(run.deliveryRatio).toBe(1);
  });
});

describe('adversaries that drop everything', () => {
  it('20 % droppers: the overlay with anti-entropy still reaches every honest node; push alone is reported', () => {
    const base = { nodes: 300, events: 1, degree: 3, adversaries: 0.2 } as const;
    const defended = runPeerlab({ ...base, graph: 'overlay' }, seededRng(8));
    expect(defended.adversaries).toBe(60);
    expect(defended.liveHonestAtEnd).toBe(240);
    expect(defended.complete).toBe(true);
    expect(defended.deliveryRatio).toBe(1);
    // Push gossip alone over a fixed graph of the same degree: droppers cut some honest nodes off.
    const pushOnly = runPeerlab({ ...base, graph: 'fixed', pushOnly: true }, seededRng(8));
    console.info(`push alone with 20 % droppers (degree 3, fixed graph) reached ${(pushOnly.deliveryRatio * 100).toFixed(1)} % of honest nodes`);
    expect(pushOnly.deliveryRatio).toBeLessThan(1);
    expect(pushOnly.messages).toBeGreaterThan(0);
  });
});
