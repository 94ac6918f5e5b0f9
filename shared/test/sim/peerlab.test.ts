/** The real engine over the simulated network, and the simulator's determinism and command line. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/ports/rng.ts';
import { edgeCount, randomGraph } from '../../src/sim/graph.ts';
import { DEFAULT_OPTIONS, parseOptions, type SimOptions } from '../../src/sim/options.ts';
import { runPeerlab } from '../../src/sim/peerlab.ts';
import { simulate } from '../../src/sim/simulate.ts';
import { Agenda } from '../../src/sim/scheduler.ts';

const options = (overrides: Partial<SimOptions>): SimOptions => ({ ...DEFAULT_OPTIONS, ...overrides });

describe('peerlab protocol over the simulated network', () => {
  it('200 nodes: one event reaches every node, with bounded traffic', () => {
    const run = runPeerlab({ nodes: 200, events: 1, degree: 6 }, seededRng(5));
    expect(run.complete).toBe(true);
    expect(run.residue).toBe(0);
    expect(run.informedByRound.at(-1)).toBe(1);
    expect(run.hopsTo[2]).toBeGreaterThanOrEqual(run.hopsTo[0]!);
    // Push over ~6 links per node: every node forwards once, so at most ~degree + slack messages each.
    expect(run.updateMessages / 200).toBeLessThan(9);
    expect(run.duplicates).toBeGreaterThan(0);
  });

  it('several events all arrive; the summary says the signatures are a stand-in', () => {
    const report = simulate(options({ protocol: 'peerlab', nodes: 150, events: 5 }));
    expect(report.residue).toBe(0);
    expect(report.signatures).toBe('stand-in');
    expect(report.tLast).toBeGreaterThan(0);
  });
});

describe('determinism', () => {
  for (const protocol of ['rumor', 'push-pull', 'peerlab'] as const) {
    it(`${protocol}: same seed, byte-identical JSON; another seed, different`, () => {
      const nodes = protocol === 'peerlab' ? 120 : 2000;
      const json = (seed: number): string => JSON.stringify(simulate(options({ protocol, nodes, runs: 2, seed })));
      expect(json(11)).toBe(json(11));
      expect(json(11)).not.toBe(json(12));
    });
  }

  it('peerlab with every network condition, churn, droppers and the comparison: same seed, same bytes', () => {
    const parsed = parseOptions(['--protocol', 'peerlab', '--nodes', '120', '--events', '4', '--write-interval', '300', '--latency', 'exp:40', '--loss', '0.1', '--duplicate', '0.1', '--partition', '200:3000', '--join-rate', '3', '--leave-rate', '3', '--crash-fraction', '0.5', '--churn-until', '4000', '--adversaries', '0.1', '--compare-adversaries']);
    if (!parsed.ok) throw new Error(parsed.error);
    const json = (seed: number): string => JSON.stringify(simulate({ ...parsed.value, seed }));
    const first = json(4);
    expect(json(4)).toBe(first);
    expect(json(5)).not.toBe(first);
    const report = JSON.parse(first) as { comparison: { label: string }[]; deliveryRatio: number; churn: unknown };
    expect(report.comparison.map((c) => c.label)).toEqual(['no adversaries', '10 % adversaries, push alone (fixed graph, no anti-entropy)']);
    expect(report.deliveryRatio).toBe(1);
    expect(report.churn).toEqual({ joinRate: 3, leaveRate: 3, crashFraction: 0.5, untilMs: 4000 });
  });
});

describe('building blocks', () => {
  it('the overlay is connected with the target degree', () => {
    const graph = randomGraph(1000, 6, seededRng(1));
    const seen = new Set([0]);
    const stack = [0];
    while (stack.length > 0) for (const b of graph[stack.pop()!]!) if (!seen.has(b)) (seen.add(b), stack.push(b));
    expect(seen.size).toBe(1000);
    expect(graph.every((neighbours) => neighbours.length >= 2 && neighbours.length <= 8 && new Set(neighbours).size === neighbours.length)).toBe(true);
    expect(edgeCount(graph)).toBeGreaterThan(2900);
  });

  it('the agenda pops by time, then by insertion order', () => {
    const agenda = new Agenda<string>();
    [[5, 'c'], [1, 'a'], [5, 'd'], [2, 'b'], [9, 'e']].forEach(([at, item]) => agenda.schedule(at as number, item as string));
    const order: string[] = [];
    for (let entry = agenda.pop(); entry; entry = agenda.pop()) order.push(entry.item);
    expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe('command line', () => {
  it('parses the stable flags', () => {
    const parsed = parseOptions(['--protocol', 'rumor', '--mode', 'pull', '--removal', 'blind', '--interest', 'coin', '--k', '3', '--nodes', '500', '--runs', '4', '--seed', '9', '--json', '--svg=out.svg']);
    expect(parsed).toEqual({ ok: true, value: { ...DEFAULT_OPTIONS, mode: 'pull', removal: 'blind', interest: 'coin', k: 3, nodes: 500, runs: 4, seed: 9, json: true, svg: 'out.svg' } });
  });

  it('parses the network, churn and adversary flags', () => {
    const parsed = parseOptions(['--protocol=peerlab', '--graph', 'fixed', '--latency', 'uniform:10:30', '--loss', '0.05', '--duplicate', '0.2', '--partition', '1000:5000', '--join-rate', '2.5', '--leave-rate', '1', '--crash-fraction', '0.25', '--churn-until', '7000', '--adversaries', '0.2', '--write-interval', '100', '--push-only', '--compare-adversaries']);
    expect(parsed).toEqual({
      ok: true,
      value: {
        ...DEFAULT_OPTIONS,
        protocol: 'peerlab',
        graph: 'fixed',
        latency: { kind: 'uniform', min: 10, max: 30 },
        loss: 0.05,
        duplicate: 0.2,
        partition: { startMs: 1000, endMs: 5000 },
        joinRate: 2.5,
        leaveRate: 1,
        crashFraction: 0.25,
        churnUntil: 7000,
        adversaries: 0.2,
        writeInterval: 100,
        pushOnly: true,
        compareAdversaries: true,
      },
    });
    expect(parseOptions(['--latency', 'exp:75'])).toMatchObject({ ok: true, value: { latency: { kind: 'exp', mean: 75 } } });
    expect(parseOptions(['--latency', 'fixed:20'])).toMatchObject({ ok: true, value: { latency: { kind: 'fixed', ms: 20 } } });
  });

  it.each([
    [['--latency', 'normal:5'], /--latency must be/],
    [['--latency', 'uniform:30:10'], /--latency must be/],
    [['--loss', '1'], /--loss must be a number from 0 to 0.99/],
    [['--adversaries', '0.95'], /--adversaries must be a number/],
    [['--partition', '500:100'], /--partition must be START:END/],
    [['--graph', 'ring'], /--graph must be one of/],
    [['--push-only=yes'], /--push-only takes no value/],
    [['--protocol', 'gossip'], /--protocol must be one of/],
    [['--k', '0'], /--k must be an integer/],
    [['--nodes', '1.5'], /--nodes must be an integer/],
    [['--nodes'], /--nodes needs a value/],
    [['--bogus'], /unknown option --bogus/],
    [['stray'], /unexpected argument/],
  ])('rejects %j', (argv, message) => {
    const parsed = parseOptions(argv);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(message);
  });

  it('exits with code 2 and a message on bad options, prints JSON otherwise', () => {
    const tsx = ['--import', 'tsx', 'shared/src/sim/cli.ts'];
    const bad = spawnSync(process.execPath, [...tsx, '--k', 'x'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--k must be an integer/);
    const good = spawnSync(process.execPath, [...tsx, '--nodes', '300', '--runs', '3', '--json'], { encoding: 'utf8' });
    expect(good.status).toBe(0);
    const summary = JSON.parse(good.stdout) as Record<string, unknown>;
    for (const key of ['nodes', 'runs', 'residue', 'trafficPerNode', 'tAvg', 'tLast']) expect(summary).toHaveProperty(key);
    expect(summary.nodes).toBe(300);
  });
});
