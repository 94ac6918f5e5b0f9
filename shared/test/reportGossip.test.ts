import { describe, expect, it } from 'vitest';
import { LinkTable } from '../src/engine/linkTable.ts';
import { ReportGossip, type ReportPlan } from '../src/engine/reportGossip.ts';
import { CURRENT_PROTOCOL } from '../src/engine/version.ts';
import { keyPairFor, reportOf } from './helpers.ts';

const OLD = { major: 1, minor: 0, features: [] };
const SIG = 'ab'.repeat(64);

function links(): LinkTable {
  const table = new LinkTable();
  table.set('from', { kind: 'direct', reported: {}, peer: 'x', remote: CURRENT_PROTOCOL });
  table.set('origin', { kind: 'direct', reported: {}, peer: keyPairFor('p').publicKey, remote: CURRENT_PROTOCOL });
  table.set('server', { kind: 'server', reported: {}, remote: CURRENT_PROTOCOL });
  table.set('old', { kind: 'relay', reported: {}, peer: 'y', remote: OLD });
  table.set('new', { kind: 'relay', reported: {}, peer: 'z', remote: CURRENT_PROTOCOL });
  return table;
}

const OWN = { sig: undefined, link: undefined };
const targets = (plan: ReportPlan | undefined): string[] => (plan ? [...plan.push, ...plan.announce] : []);

describe('ReportGossip', () => {
  it('sends a newer report to peer links that carry data, not back, not to its origin, and only once', () => {
    const gossip = new ReportGossip('lab');
    const report = reportOf('p', 1);
    expect(targets(gossip.accept(report, { sig: SIG, link: 'from' }, 0, links(), () => true, new Map()))).toEqual(['old', 'new']);
    expect(gossip.accept(report, OWN, 1, links(), () => true, new Map())).toBeUndefined();
    expect(gossip.all().map((held) => held.report.seq)).toEqual([1]);
  });

  it('pushes a report to an older remote and announces it to one with report-announce', () => {
    const plan = new ReportGossip('lab').accept(reportOf('p', 1), { sig: SIG, link: 'from' }, 0, links(), () => true, new Map());
    expect(plan).toEqual({ push: ['old'], announce: ['new'] });
  });

  it('withholds a versioned report from a remote without the feature, and sends nothing where data does not cross', () => {
    const versioned = reportOf('p', 1, { protocol: '1.1', unknown: 0 });
    expect(targets(new ReportGossip('lab').accept(versioned, { sig: SIG, link: 'from' }, 0, links(), () => true, new Map()))).toEqual(['new']);
    expect(targets(new ReportGossip('lab').accept(reportOf('p', 1), { sig: SIG, link: 'from' }, 0, links(), () => false, new Map()))).toEqual([]);
  });

  it('asks to verify a report newer than the held one, once, and calls an older one stale', () => {
    const gossip = new ReportGossip('lab');
    gossip.accept(reportOf('p', 2), OWN, 0, [], () => true, new Map());
    expect(gossip.receive(reportOf('p', 1), 'sig', 'from').kind).toBe('stale');
    const added = gossip.receive(reportOf('p', 3), 'sig', 'from');
    expect(added.kind).toBe('verify');
    expect(gossip.receive(reportOf('p', 3), 'sig', 'other').kind).toBe('duplicate');
    expect(added.kind === 'verify' && gossip.take(added.request.id)?.link).toBe('from');
  });
});
