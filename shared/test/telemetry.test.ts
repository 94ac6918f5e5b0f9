import { describe, expect, it } from 'vitest';
import { decodeMessage, decodeReport, MAX_REPORT_LINKS, ReportBook } from '../src/index.ts';
import { keyPairFor, makeNode, makeRoom, nodeVerify, reportMessage, reportOf } from './helpers.ts';
import { PERFECT_LINKS } from '../src/net/memoryNetwork.ts';
import { handleSync } from '../src/net/driveSync.ts';

describe('telemetry report: the one schema', () => {
  it('accepts a well-formed report, in a socket event and in a wire message', () => {
    const report = reportOf('alice', 1, { rejections: { schema: 2 }, vv: { [keyPairFor('bob').publicKey]: 3 }, links: [{ peer: keyPairFor('bob').publicKey, kind: 'direct' }] });
    expect(decodeReport(report)).toEqual({ ok: true, value: report });
    const sig = 'ab'.repeat(64);
    const decoded = decodeMessage(JSON.stringify({ t: 'report', report, sig }));
    expect(decoded.ok && decoded.value.message).toEqual({ t: 'report', report, sig });
  });

  it('refuses bad keys, unknown fields, unknown reasons and too many links with a typed reason', () => {
    expect(decodeReport({ ...reportOf('alice', 1), peer: 'nope' })).toMatchObject({ ok: false, reason: 'schema' });
    expect(decodeReport({ ...reportOf('alice', 1), extra: 1 })).toMatchObject({ ok: false, reason: 'schema' });
    expect(decodeReport({ ...reportOf('alice', 1), rejections: { made_up: 1 } })).toMatchObject({ ok: false, reason: 'schema' });
    const links = Array.from({ length: MAX_REPORT_LINKS + 1 }, () => ({ peer: keyPairFor('bob').publicKey, kind: 'direct' }));
    expect(decodeReport({ ...reportOf('alice', 1), links })).toMatchObject({ ok: false, reason: 'schema' });
    expect(decodeReport(null)).toMatchObject({ ok: false, reason: 'schema' });
    expect(decodeMessage(JSON.stringify({ t: 'report', report: { ...reportOf('alice', 1), seq: 0 }, sig: 'ab'.repeat(64) }))).toMatchObject({ ok: false, reason: 'schema' });
  });
});

describe('ReportBook', () => {
  it('keeps the newest report per origin and counts older or repeated ones as duplicates', () => {
    const book = new ReportBook(2);
    expect(book.offer(reportOf('alice', 2), 10)).toBe(true);
    expect(book.offer(reportOf('alice', 2), 11)).toBe(false);
    expect(book.offer(reportOf('alice', 1), 12)).toBe(false);
    expect(book.duplicates).toBe(2);
    expect(book.offer(reportOf('alice', 3), 13)).toBe(true);
    expect(book.get(keyPairFor('alice').publicKey)).toMatchObject({ receivedAt: 13, report: { seq: 3 } });
  });

  it('is bounded: the least recently heard origin is forgotten first', () => {
    const book = new ReportBook(2);
    book.offer(reportOf('alice', 1), 1);
    book.offer(reportOf('bob', 1), 2);
    book.offer(reportOf('alice', 2), 3);
    book.offer(reportOf('carol', 1), 4);
    expect(book.all().map((held) => held.report.name).sort()).toEqual(['alice', 'carol']);
  });
});

describe('report gossip in the engine', () => {
  it('floods a new report once over the other peer links, never back, never to the server link', () => {
    const node = makeNode('bob');
    const alice = keyPairFor('alice').publicKey;
    node.handle({ type: 'linkUp', link: 'a', kind: 'direct', peer: alice }, 0);
    node.handle({ type: 'linkUp', link: 'c', kind: 'direct', peer: keyPairFor('carol').publicKey }, 0);
    node.handle({ type: 'linkUp', link: 'server', kind: 'server' }, 0);
    const data = reportMessage(reportOf('alice', 5));
    const reportSends = (outputs: ReturnType<typeof node.handle>) => outputs.filter((o) => o.type === 'send' && o.message.t === 'report').map((o) => (o.type === 'send' ? o.link : ''));
    const deliver = (link: string, data: string, now: number) => handleSync(node, { type: 'message', link, data }, now, nodeVerify);
    expect(reportSends(deliver('a', data, 100))).toEqual(['c']);
    // The same report again (another path of the flood) goes nowhere.
    expect(reportSends(deliver('c', data, 101))).toEqual([]);
    expect(node.reports()).toEqual([{ report: reportOf('alice', 5), receivedAt: 100 }]);
    // A report over the server link is not gossip: not kept, not forwarded.
    expect(reportSends(deliver('server', reportMessage(reportOf('dave', 1)), 102))).toEqual([]);
    expect(node.reports()).toHaveLength(1);
    // Its own report goes to every peer link.
    expect(reportSends(node.handle({ type: 'report', report: reportOf('bob', 1) }, 103)).sort()).toEqual(['a', 'c']);
  });

  it('reaches every peer of a p2p mesh, and none in client-server (no peer links carry data)', () => {
    const room = makeRoom(4, 7, PERFECT_LINKS);
    room.net.input('p0', { type: 'report', report: reportOf('p0', 1) });
    room.net.runFor(50);
    for (const peer of room.peers) expect(room.net.nodes.get(peer)!.reports().map((held) => held.report.name)).toContain('p0');

    room.switchMode('p0', 'client-server');
    room.net.runFor(200);
    room.net.input('p1', { type: 'report', report: reportOf('p1', 1) });
    room.net.runFor(50);
    for (const peer of room.peers.filter((p) => p !== 'p1')) expect(room.net.nodes.get(peer)!.reports().map((held) => held.report.name)).not.toContain('p1');
  });
});
