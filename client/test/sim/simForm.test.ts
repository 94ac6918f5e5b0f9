import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, parseOptions, USAGE, type SimOptions } from '@peerlab/shared/sim';
import { argvFromForm, DEFAULT_FORM, FLAG_FIELDS, flagOfError, formFromOptions, formFromQuery, queryFromForm, TEXT_FIELDS, usageHelp, type SimForm } from '../../src/lib/sim/simForm.ts';

function options(argv: readonly string[]): SimOptions {
  const parsed = parseOptions(argv);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

/** What a round trip through the page may change: nothing the simulation reads. */
function simulated(value: SimOptions): Omit<SimOptions, 'json' | 'svg' | 'help'> {
  const { json: _json, svg: _svg, help: _help, ...rest } = value;
  return rest;
}

/** Options of one protocol as the CLI would accept them, the others' options left at their defaults. */
const validOptions: fc.Arbitrary<SimOptions> = fc
  .record({
    protocol: fc.constantFrom('rumor', 'push', 'pull', 'push-pull', 'peerlab'),
    mode: fc.constantFrom('push', 'pull'),
    removal: fc.constantFrom('feedback', 'blind'),
    interest: fc.constantFrom('counter', 'coin'),
    k: fc.integer({ min: 1, max: 1000 }),
    nodes: fc.integer({ min: 2, max: 10_000_000 }),
    runs: fc.integer({ min: 1, max: 1000 }),
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    events: fc.integer({ min: 1, max: 10_000 }),
    degree: fc.integer({ min: 1, max: 64 }),
    graph: fc.constantFrom('fixed', 'overlay'),
    latency: fc.constantFrom('fixed:40', 'uniform:50:100', 'exp:75', 'uniform:0.5:2.25'),
    loss: fc.constantFrom('0', '0.1', '0.0000001', '0.99'),
    duplicate: fc.constantFrom('0', '0.5', '1'),
    partition: fc.constantFrom('', '100:2000'),
    joinRate: fc.constantFrom('0', '2.5'),
    leaveRate: fc.constantFrom('0', '3'),
    crashFraction: fc.constantFrom('0', '0.5', '1'),
    churnUntil: fc.integer({ min: 0, max: 10_000_000 }),
    adversaries: fc.constantFrom('0', '0.25', '0.9'),
    writeInterval: fc.integer({ min: 0, max: 10_000 }),
    pushOnly: fc.boolean(),
    compareAdversaries: fc.boolean(),
  })
  .map((f) => {
    const form: SimForm = { ...f, k: String(f.k), nodes: String(f.nodes), runs: String(f.runs), seed: String(f.seed), events: String(f.events), degree: String(f.degree), churnUntil: String(f.churnUntil), writeInterval: String(f.writeInterval) };
    return options(argvFromForm(form));
  });

describe('the simulator form, its query string and the CLI argv', () => {
  it('defaults: the empty query is the CLI with no options', () => {
    const { form, unknown, run } = formFromQuery(new URLSearchParams(''));
    expect(form).toEqual(DEFAULT_FORM);
    expect(unknown).toEqual([]);
    expect(run).toBe(false);
    expect(simulated(options(argvFromForm(form)))).toEqual(simulated(DEFAULT_OPTIONS));
  });

  it('a shared link means what the CLI means with the same option names', () => {
    const { form, run } = formFromQuery(new URLSearchParams('protocol=push&nodes=10000&seed=3&run=1'));
    expect(run).toBe(true);
    expect(argvFromForm(form)).toEqual(['--protocol=push', '--nodes=10000', '--runs=1', '--seed=3']);
    expect(simulated(options(argvFromForm(form)))).toEqual(simulated(options(['--protocol', 'push', '--nodes', '10000', '--seed', '3'])));
  });

  it('options -> form -> query -> form -> argv -> options is the identity (property)', () => {
    fc.assert(
      fc.property(validOptions, (value) => {
        const query = queryFromForm(formFromOptions(value));
        const back = formFromQuery(new URLSearchParams(query.toString()));
        expect(back.unknown).toEqual([]);
        const again = options(argvFromForm(back.form));
        // Only the chosen protocol's options travel; the rest are the defaults on both sides.
        expect(simulated(again)).toEqual(simulated(options(argvFromForm(formFromOptions(value)))));
        expect(argvFromForm(formFromOptions(again))).toEqual(argvFromForm(back.form));
      }),
      { numRuns: 300 },
    );
  });

  it('a link names the protocol, size, runs and seed always, engine options only when not the default', () => {
    const push = queryFromForm({ ...DEFAULT_FORM, protocol: 'push', nodes: '1000' });
    expect(push.toString()).toBe('protocol=push&nodes=1000&runs=1&seed=1');
    const engine = queryFromForm({ ...DEFAULT_FORM, protocol: 'peerlab', nodes: '2000', adversaries: '0.2', compareAdversaries: true, k: '4' });
    expect(engine.toString()).toBe('protocol=peerlab&nodes=2000&runs=1&seed=1&adversaries=0.2&compare-adversaries=1');
    const rumor = queryFromForm({ ...DEFAULT_FORM, k: '2' });
    expect(rumor.toString()).toBe('protocol=rumor&mode=push&removal=feedback&interest=counter&k=2&nodes=1000&runs=1&seed=1');
  });

  it('the browser refuses what the CLI refuses, in the same words', () => {
    const zero = argvFromForm({ ...DEFAULT_FORM, protocol: 'push', nodes: '0' });
    const cli = parseOptions(['--protocol', 'push', '--nodes', '0']);
    const page = parseOptions(zero);
    expect(page).toEqual({ ok: false, error: '--nodes must be an integer from 2 to 10000000 (got "0")' });
    expect(page).toEqual(cli);
    expect(parseOptions(argvFromForm({ ...DEFAULT_FORM, nodes: '' }))).toEqual({ ok: false, error: '--nodes must be an integer from 2 to 10000000 (got "")' });
    expect(parseOptions(argvFromForm({ ...DEFAULT_FORM, protocol: 'peerlab', latency: 'uniform:9:1' })).ok).toBe(false);
  });

  it('a query parameter that is no option reaches the parser, which names it; CLI-only options are dropped', () => {
    const { unknown } = formFromQuery(new URLSearchParams('protocol=push&nodez=5&json=1&svg=x.svg&help=1'));
    expect(unknown).toEqual(['--nodez=5']);
    expect(parseOptions(unknown)).toEqual({ ok: false, error: 'unknown option --nodez' });
  });

  it('hidden fields of other protocols are not validated', () => {
    expect(parseOptions(argvFromForm({ ...DEFAULT_FORM, protocol: 'push', k: 'nonsense', loss: '7' })).ok).toBe(true);
    expect(parseOptions(argvFromForm({ ...DEFAULT_FORM, protocol: 'peerlab', loss: '7' }))).toEqual({ ok: false, error: '--loss must be a number from 0 to 0.99 (got "7")' });
  });

  it('flags: present means on, 0 or false means off', () => {
    expect(formFromQuery(new URLSearchParams('push-only=1&compare-adversaries')).form).toMatchObject({ pushOnly: true, compareAdversaries: true });
    expect(formFromQuery(new URLSearchParams('push-only=0&compare-adversaries=false')).form).toMatchObject({ pushOnly: false, compareAdversaries: false });
  });

  it('finds the option a parser sentence is about', () => {
    expect(flagOfError('--nodes must be an integer from 2 to 10000000 (got "0")')).toBe('nodes');
    expect(flagOfError('unknown option --nodez')).toBe('nodez');
    expect(flagOfError('--join-rate must be a number from 0 to 1000000 (got "x")')).toBe('join-rate');
  });

  it('every form field has the CLI usage line as its help', () => {
    const help = usageHelp();
    for (const field of [...TEXT_FIELDS, ...FLAG_FIELDS]) expect(help.get(field.flag), field.flag).toBeTruthy();
    expect(help.get('nodes')).toBe('sites, 2..10000000 (default 1000)');
    expect(help.get('graph')).toContain('builds and repairs the mesh from sampled rosters (default overlay)');
    expect(USAGE).toContain('--help');
  });
});
