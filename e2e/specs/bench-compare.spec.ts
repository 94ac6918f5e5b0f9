/**
 * The comparison benchmark (`npm run bench:compare`) in miniature, so it cannot rot: every system with 2
 * pages and a few messages, a short history and a catch-up, and the report written from the results. It
 * asserts that each phase measured what it says (every message arrived everywhere, at data level and on
 * screen, and was counted), never how fast.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { compare } from '../bench/compare/cli.ts';
import { writeReport } from '../bench/compare/report.ts';
import { SYSTEM_LABELS, SYSTEMS } from '../bench/compare/systems.ts';

test('bench:compare runs every system, a history and a catch-up end to end, and writes its report', async () => {
  test.setTimeout(480_000);
  const events = 6;
  const { runs, catchUps } = await compare(
    { sizes: [2], systems: SYSTEMS, events, intervalMs: 50, bytes: 100, idleMs: 2_500, floodMs: 500, patienceMs: 30_000, history: 300, historyPages: 2, catchUp: [50], catchUpPages: 2 },
    () => {},
  );

  expect(runs.map((run) => run.system)).toEqual([...SYSTEMS, 'peerlab-p2p']);
  for (const run of runs) {
    expect(run.errors, run.label).toEqual([]);
    expect(run.connect.allLinkedMs, `${run.label} linked`).not.toBeNull();
    expect(run.latency.delivered, `${run.label} delivered`).toBe(events);
    expect(run.latency.data.count).toBe(events);
    expect(Number.isFinite(run.latency.screen.p95), `${run.label} on screen`).toBe(true);
    expect(run.throughput.written, `${run.label} flood`).toBeGreaterThan(0);
    expect(run.throughput.fullyDelivered, `${run.label} flood delivered`).toBe(run.throughput.written);
    expect(run.heapMB.mean).toBeGreaterThan(0);
  }
  const p2p = runs.find((run) => run.system === 'peerlab-p2p' && run.history === 0)!;
  // The idle window outlasts a heartbeat (2 s): a link silent that long is pinged, so something is sent.
  expect(p2p.idle.pageBytesPerSecond, 'a Peerlab page sends something over its link while idle (heartbeats)').toBeGreaterThan(0);
  expect(runs.find((run) => run.system === 'socketio')!.latency.serverBytes, 'the relay wrote the messages').toBeGreaterThan(events * 100);
  expect(runs.at(-1)!.history).toBe(300);

  expect(catchUps).toHaveLength(1);
  expect(catchUps[0]!.ms, 'the returning page caught up').not.toBeNull();
  expect(catchUps[0]!.receivedBytes, 'it received at least what it missed').toBeGreaterThanOrEqual(catchUps[0]!.missedBytes);

  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  const report = readFileSync(writeReport(dir, { name: 'smoke', at: 'now', commit: 'test', machine: 'test', options: { events }, runs, catchUps }), 'utf8');
  for (const system of SYSTEMS) expect(report).toContain(SYSTEM_LABELS[system]);
  expect(report).toContain('Catch-up of a returning page');
});
