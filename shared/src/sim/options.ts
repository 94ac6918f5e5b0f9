/**
 * The simulator's command line, parsed into options or a message saying what is wrong (errors as values;
 * only cli.ts turns one into exit code 2). The flags are a stable interface: others script them.
 */
import { DEFAULT_LATENCY, formatLatency, parseLatency, parsePartition, type Latency, type Partition } from './network.ts';
import type { GraphKind } from './peerlab.ts';
import type { Direction, Interest, Removal } from './rumor.ts';

export type Protocol = 'rumor' | 'push' | 'pull' | 'push-pull' | 'peerlab';

export interface SimOptions {
  readonly protocol: Protocol;
  /** Rumor mongering only: push or pull. */
  readonly mode: Direction;
  readonly removal: Removal;
  readonly interest: Interest;
  readonly k: number;
  readonly nodes: number;
  readonly runs: number;
  readonly seed: number;
  /** Peerlab only: events the origin writes. */
  readonly events: number;
  /** Peerlab only: target links per node. */
  readonly degree: number;
  /** Peerlab only: a fixed random graph, or the engine's own overlay. */
  readonly graph: GraphKind;
  /** Peerlab only: network conditions. */
  readonly latency: Latency;
  readonly loss: number;
  readonly duplicate: number;
  readonly partition: Partition | undefined;
  /** Peerlab only: churn, per virtual second, until `churnUntil` ms after the first write. */
  readonly joinRate: number;
  readonly leaveRate: number;
  readonly crashFraction: number;
  readonly churnUntil: number;
  /** Peerlab only: fraction of nodes that drop everything. */
  readonly adversaries: number;
  /** Peerlab only: virtual ms between writes. */
  readonly writeInterval: number;
  /** Peerlab only: no periodic anti-entropy (push gossip alone). */
  readonly pushOnly: boolean;
  /** Peerlab only: also run without adversaries, and with them but push only, for comparison. */
  readonly compareAdversaries: boolean;
  readonly json: boolean;
  readonly svg: string | undefined;
  readonly help: boolean;
}

export type Parsed = { readonly ok: true; readonly value: SimOptions } | { readonly ok: false; readonly error: string };

export const DEFAULT_OPTIONS: SimOptions = {
  protocol: 'rumor',
  mode: 'push',
  removal: 'feedback',
  interest: 'counter',
  k: 1,
  nodes: 1000,
  runs: 1,
  seed: 1,
  events: 1,
  degree: 6,
  graph: 'overlay',
  latency: DEFAULT_LATENCY,
  loss: 0,
  duplicate: 0,
  partition: undefined,
  joinRate: 0,
  leaveRate: 0,
  crashFraction: 0.5,
  churnUntil: 10_000,
  adversaries: 0,
  writeInterval: 0,
  pushOnly: false,
  compareAdversaries: false,
  json: false,
  svg: undefined,
  help: false,
};

export const USAGE = `usage: npm run sim -- [options]
  --protocol rumor|push|pull|push-pull|peerlab   rumor mongering, anti-entropy, or the real engine (default rumor)
  --mode push|pull           rumor mongering direction (default push)
  --removal feedback|blind   lose interest on unnecessary contacts only, or on any (default feedback)
  --interest counter|coin    after k such cycles, or with probability 1/k each (default counter)
  --k K                      loss-of-interest parameter, 1..1000 (default 1)
  --nodes N                  sites, 2..10000000 (default 1000)
  --runs R                   independent runs, averaged (default 1)
  --seed S                   seed, 0..4294967295 (default 1); same seed, same output
  --events E                 peerlab: events the origin writes (default 1)
  --degree D                 peerlab: links per node, fixed graph or the overlay's target (default 6)
  --graph fixed|overlay      peerlab: a fixed random graph, or the engine's overlay builds and repairs the
                             mesh from sampled rosters (default overlay)
  --latency SPEC             peerlab: one-way latency, fixed:MS, uniform:MIN:MAX or exp:MEAN
                             (default ${formatLatency(DEFAULT_LATENCY)}); a round is the mean
  --loss P                   peerlab: chance each message is lost, 0..0.99 (default 0)
  --duplicate P              peerlab: chance each message is delivered twice, 0..1 (default 0)
  --partition START:END      peerlab: split into two random halves at START, heal at END (virtual ms
                             from the first write)
  --join-rate R              peerlab: nodes joining per virtual second (default 0)
  --leave-rate R             peerlab: nodes leaving per virtual second (default 0)
  --crash-fraction F         peerlab: fraction of leaves that are silent crashes (default 0.5)
  --churn-until MS           peerlab: churn stops this long after the first write (default 10000)
  --adversaries F            peerlab: fraction of nodes that receive but never send, 0..0.9 (default 0)
  --write-interval MS        peerlab: virtual ms between the events' writes (default 0: all at once)
  --push-only                peerlab: no periodic anti-entropy, to see what push alone reaches
  --compare-adversaries      peerlab: also run without adversaries, and with them by push alone (fixed
                             graph, no anti-entropy); the chart shows all three
  --json                     print the summary as JSON
  --svg FILE                 write a chart of the fraction informed per round
  --help`;

/** The choice options and their values, for the CLI and the browser form alike. */
export const CHOICES = {
  protocol: ['rumor', 'push', 'pull', 'push-pull', 'peerlab'],
  graph: ['fixed', 'overlay'],
  mode: ['push', 'pull'],
  removal: ['feedback', 'blind'],
  interest: ['counter', 'coin'],
} as const;

const INTEGERS = {
  k: [1, 1000],
  nodes: [2, 10_000_000],
  runs: [1, 1_000_000],
  seed: [0, 2 ** 32 - 1],
  events: [1, 10_000],
  degree: [1, 64],
  'churn-until': [0, 10_000_000],
  'write-interval': [0, 10_000_000],
} as const;

/** Decimal options: [min, max]. */
const DECIMALS = {
  loss: [0, 0.99],
  duplicate: [0, 1],
  'join-rate': [0, 1_000_000],
  'leave-rate': [0, 1_000_000],
  'crash-fraction': [0, 1],
  adversaries: [0, 0.9],
} as const;

const FLAGS = ['json', 'help', 'push-only', 'compare-adversaries'];

/** `churn-until` -> `churnUntil`. */
function key(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

export function parseOptions(argv: readonly string[]): Parsed {
  const options: Record<string, unknown> = { ...DEFAULT_OPTIONS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) return fail(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (FLAGS.includes(name)) {
      if (eq >= 0) return fail(`--${name} takes no value`);
      options[key(name)] = true;
      continue;
    }
    const known = name in CHOICES || name in INTEGERS || name in DECIMALS || name === 'svg' || name === 'latency' || name === 'partition';
    if (!known) return fail(`unknown option --${name}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) return fail(`--${name} needs a value`);
    if (name === 'svg') {
      if (value === '') return fail('--svg needs a file name');
      options.svg = value;
    } else if (name === 'latency' || name === 'partition') {
      const spec = name === 'latency' ? parseLatency(value) : parsePartition(value);
      if (typeof spec === 'string') return fail(spec);
      options[name] = spec;
    } else if (name in DECIMALS) {
      const [min, max] = DECIMALS[name as keyof typeof DECIMALS];
      if (!/^\d+(\.\d+)?$/.test(value) || Number(value) < min || Number(value) > max) return fail(`--${name} must be a number from ${min} to ${max} (got "${value}")`);
      options[key(name)] = Number(value);
    } else if (name in CHOICES) {
      const allowed: readonly string[] = CHOICES[name as keyof typeof CHOICES];
      if (!allowed.includes(value)) return fail(`--${name} must be one of ${allowed.join(', ')} (got "${value}")`);
      options[name] = value;
    } else {
      const [min, max] = INTEGERS[name as keyof typeof INTEGERS];
      if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) return fail(`--${name} must be an integer from ${min} to ${max} (got "${value}")`);
      options[key(name)] = Number(value);
    }
  }
  return { ok: true, value: options as unknown as SimOptions };
}

function fail(error: string): Parsed {
  return { ok: false, error };
}
