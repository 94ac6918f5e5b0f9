/**
 * The simulator view's form, its query string and the CLI's argv, in one place. The query uses the CLI's
 * option names (`/sim?protocol=push&nodes=10000&seed=3`), and the form is validated by building the argv
 * `npm run sim` would get and handing it to the same `parseOptions`, so the browser and the CLI refuse
 * the same things with the same sentences.
 */
import { DEFAULT_OPTIONS, formatLatency, USAGE, type SimOptions } from '@peerlab/shared/sim';

/** What the person typed, as typed: numbers stay text until the parser has seen them. */
export interface SimForm {
  protocol: string;
  mode: string;
  removal: string;
  interest: string;
  k: string;
  nodes: string;
  runs: string;
  seed: string;
  events: string;
  degree: string;
  graph: string;
  latency: string;
  loss: string;
  duplicate: string;
  partition: string;
  joinRate: string;
  leaveRate: string;
  crashFraction: string;
  churnUntil: string;
  adversaries: string;
  writeInterval: string;
  pushOnly: boolean;
  compareAdversaries: boolean;
}

type FlagKey = 'pushOnly' | 'compareAdversaries';
type TextKey = Exclude<keyof SimForm, FlagKey>;

/** Which protocols an option applies to; the others' fields are hidden and left out of the argv. */
type Scope = 'all' | 'rumor' | 'peerlab';

export interface Field<K extends keyof SimForm = keyof SimForm> {
  readonly key: K;
  /** The CLI's name, without `--`; also the query parameter. */
  readonly flag: string;
  readonly scope: Scope;
}

/** Text and choice options, in the CLI's usage order. */
export const TEXT_FIELDS: readonly Field<TextKey>[] = [
  { key: 'protocol', flag: 'protocol', scope: 'all' },
  { key: 'mode', flag: 'mode', scope: 'rumor' },
  { key: 'removal', flag: 'removal', scope: 'rumor' },
  { key: 'interest', flag: 'interest', scope: 'rumor' },
  { key: 'k', flag: 'k', scope: 'rumor' },
  { key: 'nodes', flag: 'nodes', scope: 'all' },
  { key: 'runs', flag: 'runs', scope: 'all' },
  { key: 'seed', flag: 'seed', scope: 'all' },
  { key: 'events', flag: 'events', scope: 'peerlab' },
  { key: 'degree', flag: 'degree', scope: 'peerlab' },
  { key: 'graph', flag: 'graph', scope: 'peerlab' },
  { key: 'latency', flag: 'latency', scope: 'peerlab' },
  { key: 'loss', flag: 'loss', scope: 'peerlab' },
  { key: 'duplicate', flag: 'duplicate', scope: 'peerlab' },
  { key: 'partition', flag: 'partition', scope: 'peerlab' },
  { key: 'joinRate', flag: 'join-rate', scope: 'peerlab' },
  { key: 'leaveRate', flag: 'leave-rate', scope: 'peerlab' },
  { key: 'crashFraction', flag: 'crash-fraction', scope: 'peerlab' },
  { key: 'churnUntil', flag: 'churn-until', scope: 'peerlab' },
  { key: 'adversaries', flag: 'adversaries', scope: 'peerlab' },
  { key: 'writeInterval', flag: 'write-interval', scope: 'peerlab' },
];

export const FLAG_FIELDS: readonly Field<FlagKey>[] = [
  { key: 'pushOnly', flag: 'push-only', scope: 'peerlab' },
  { key: 'compareAdversaries', flag: 'compare-adversaries', scope: 'peerlab' },
];

/** Always in a shared link, whatever their value, so the link says what it runs. */
const ALWAYS_IN_QUERY: ReadonlySet<string> = new Set(['protocol', 'nodes', 'runs', 'seed', 'mode', 'removal', 'interest', 'k']);
/** Options that may be left empty: an empty field means "not given" (no partition). */
const OPTIONAL: ReadonlySet<string> = new Set(['partition']);
/** The page's own query parameter: run on load. */
export const RUN_PARAM = 'run';
/** CLI options that mean nothing in a page (output format, a file to write, the usage text). */
const CLI_ONLY: ReadonlySet<string> = new Set(['json', 'svg', 'help']);

/** A number as the parser reads it: digits and a point, never an exponent (1e-7 -> 0.0000001). */
function plain(value: number): string {
  const text = String(value);
  return /e/i.test(text) ? value.toFixed(20).replace(/0+$/, '').replace(/\.$/, '') : text;
}

export function formFromOptions(options: SimOptions): SimForm {
  return {
    protocol: options.protocol,
    mode: options.mode,
    removal: options.removal,
    interest: options.interest,
    k: plain(options.k),
    nodes: plain(options.nodes),
    runs: plain(options.runs),
    seed: plain(options.seed),
    events: plain(options.events),
    degree: plain(options.degree),
    graph: options.graph,
    latency: formatLatency(options.latency),
    loss: plain(options.loss),
    duplicate: plain(options.duplicate),
    partition: options.partition ? `${plain(options.partition.startMs)}:${plain(options.partition.endMs)}` : '',
    joinRate: plain(options.joinRate),
    leaveRate: plain(options.leaveRate),
    crashFraction: plain(options.crashFraction),
    churnUntil: plain(options.churnUntil),
    adversaries: plain(options.adversaries),
    writeInterval: plain(options.writeInterval),
    pushOnly: options.pushOnly,
    compareAdversaries: options.compareAdversaries,
  };
}

export const DEFAULT_FORM: Readonly<SimForm> = Object.freeze(formFromOptions(DEFAULT_OPTIONS));

/** Whether a field is shown and passed on for the form's protocol. */
export function applies(field: Field, protocol: string): boolean {
  return field.scope === 'all' || field.scope === protocol;
}

/** The argv `npm run sim --` would get for this form: the protocol's own options, `--name=value`. */
export function argvFromForm(form: SimForm): string[] {
  const argv: string[] = [];
  for (const field of TEXT_FIELDS) {
    if (!applies(field, form.protocol)) continue;
    const value = form[field.key].trim();
    if (value === '' && OPTIONAL.has(field.flag)) continue;
    argv.push(`--${field.flag}=${value}`);
  }
  for (const field of FLAG_FIELDS) if (applies(field, form.protocol) && form[field.key]) argv.push(`--${field.flag}`);
  return argv;
}

/**
 * A shareable query: the protocol, its size, runs and seed (and rumor's settings) always; the engine's
 * options only where they differ from the defaults, so a link stays short.
 */
export function queryFromForm(form: SimForm): URLSearchParams {
  const query = new URLSearchParams();
  for (const field of TEXT_FIELDS) {
    if (!applies(field, form.protocol)) continue;
    const value = form[field.key].trim();
    if (ALWAYS_IN_QUERY.has(field.flag) || value !== DEFAULT_FORM[field.key]) query.set(field.flag, value);
  }
  for (const field of FLAG_FIELDS) if (applies(field, form.protocol) && form[field.key]) query.set(field.flag, '1');
  return query;
}

export interface QueryForm {
  readonly form: SimForm;
  /** Query parameters that are no simulator option, as argv entries, so the parser names them. */
  readonly unknown: readonly string[];
  /** `run=1`: start as soon as the page opens. */
  readonly run: boolean;
}

/** The form a query describes: the defaults, overridden by every option present. */
export function formFromQuery(query: URLSearchParams): QueryForm {
  const form: SimForm = { ...DEFAULT_FORM };
  const unknown: string[] = [];
  let run = false;
  for (const [name, value] of query) {
    const text = TEXT_FIELDS.find((field) => field.flag === name);
    const flag = FLAG_FIELDS.find((field) => field.flag === name);
    if (text) form[text.key] = value;
    else if (flag) form[flag.key] = value !== '0' && value !== 'false';
    else if (name === RUN_PARAM) run = value !== '0' && value !== 'false';
    else if (!CLI_ONLY.has(name)) unknown.push(`--${name}=${value}`);
  }
  return { form, unknown, run };
}

/** The option a parser message is about (`--nodes must be …` -> `nodes`), to mark its field invalid. */
export function flagOfError(message: string): string | undefined {
  return /^(?:unknown option )?--([a-z-]+)/.exec(message)?.[1];
}

/**
 * The CLI's own help line for each option (`--nodes N  sites, 2..10000000 (default 1000)` -> `sites,
 * 2..10000000 (default 1000)`), continuation lines joined, so the form explains what `--help` explains.
 */
export function usageHelp(usage: string = USAGE): ReadonlyMap<string, string> {
  const help = new Map<string, string>();
  let current: string | undefined;
  for (const line of usage.split('\n')) {
    const entry = /^ {2}--([a-z-]+)(?: \S+)?\s{2,}(.*)$/.exec(line);
    if (entry) {
      current = entry[1]!;
      help.set(current, entry[2]!.trim());
    } else if (current && /^\s{10,}\S/.test(line)) {
      help.set(current, `${help.get(current)} ${line.trim()}`);
    } else {
      current = undefined;
    }
  }
  return help;
}
