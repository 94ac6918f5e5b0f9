/**
 * The simulator's command line, parsed into options or a message saying what is wrong (errors as values;
 * only cli.ts turns one into exit code 2). The flags are a stable interface: others script them.
 */
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
  --degree D                 peerlab: links per node in the random overlay (default 6)
  --json                     print the summary as JSON
  --svg FILE                 write a chart of the fraction informed per round
  --help`;

const CHOICES = {
  protocol: ['rumor', 'push', 'pull', 'push-pull', 'peerlab'],
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
} as const;

export function parseOptions(argv: readonly string[]): Parsed {
  const options: Record<string, unknown> = { ...DEFAULT_OPTIONS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) return fail(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (name === 'json' || name === 'help') {
      if (eq >= 0) return fail(`--${name} takes no value`);
      options[name] = true;
      continue;
    }
    const known = name in CHOICES || name in INTEGERS || name === 'svg';
    if (!known) return fail(`unknown option --${name}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) return fail(`--${name} needs a value`);
    if (name === 'svg') {
      if (value === '') return fail('--svg needs a file name');
      options.svg = value;
    } else if (name in CHOICES) {
      const allowed: readonly string[] = CHOICES[name as keyof typeof CHOICES];
      if (!allowed.includes(value)) return fail(`--${name} must be one of ${allowed.join(', ')} (got "${value}")`);
      options[name] = value;
    } else {
      const [min, max] = INTEGERS[name as keyof typeof INTEGERS];
      if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) return fail(`--${name} must be an integer from ${min} to ${max} (got "${value}")`);
      options[name] = Number(value);
    }
  }
  return { ok: true, value: options as unknown as SimOptions };
}

function fail(error: string): Parsed {
  return { ok: false, error };
}
