import { describe, expect, it } from 'vitest';
import { LinkTable } from '../src/engine/linkTable.ts';
import { ReportGossip } from '../src/engine/reportGossip.ts';
import { CURRENT_PROTOCOL } from '../src/engine/version.ts';
import { keyPairFor, reportOf } from './helpers.ts';

const OLD = { major: 1, minor: 0, features: [] };

function links(): LinkTable {
  const table = new LinkTable();
  table.set('from', { kind: 'direct', reported: {}, peer: 'x', remote: CURRENT_PROTOCOL });
  table.set('origin', { kind: 'direct', reported: {}, peer: keyPairFor('p').publicKey, remote: CURRENT_PROTOCOL });
  table.set('server', { kind: 'server', reported: {}, remote: CURRENT_PROTOCOL });
  table.set('old', { kind: 'relay', reported: {}, peer: 'y', remote: OLD });
  table.set('new', { kind: 'relay', reported: {}, peer: 'z', remote: CURRENT_PROTOCOL });
  return table;
}

describe('ReportGossip', () => {
  it('floods a newer report to peer links that carry data, not back, not to its origin, and only once', () => {
    const gossip = new ReportGossip('lab');
    const report = reportOf('p', 1);
    expect(gossip.flood(report, 'from', 0, links(), () => true)).toEqual(['old', 'new']);
    expect(gossip.flood(report, undefined, 1, links(), () => true)).toEqual([]);
    expect(gossip.all().map((held) => held.report.seq)).toEqual([1]);
  });

  it('withholds a versioned report from a remote without the feature, and floods nothing where data does not cross', () => {
    const versioned = reportOf('p', 1, { protocol: '1.1', unknown: 0 });
    expect(new ReportGossip('lab').flood(versioned, 'from', 0, links(), () => true)).toEqual(['new']);
    expect(new ReportGossip('lab').flood(reportOf('p', 1), 'from', 0, links(), () => false)).toEqual([]);
  });

  it('asks to verify a report newer than the held one, once, and calls an older one stale', () => {
    const gossip = new ReportGossip('lab');
    gossip.flood(reportOf('p', 2), undefined, 0, [], () => true);
    expect(gossip.receive(reportOf('p', 1), 'sig', 'from').kind).toBe('stale');
    const added = gossip.receive(reportOf('p', 3), 'sig', 'from');
    expect(added.kind).toBe('verify');
    expect(gossip.receive(reportOf('p', 3), 'sig', 'other').kind).toBe('duplicate');
    expect(added.kind === 'verify' && gossip.take(added.request.id)?.link).toBe('from');
  });
});
