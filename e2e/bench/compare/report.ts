/**
 * The comparison's report: a Markdown table per room size with the goals of issue 11 checked against the
 * run's own anchors (y-webrtc and the bare Socket.IO broadcast of the same run), and SVG bar charts. With a
 * "before" run beside the "after" run, both are shown; goals are judged on "after" only.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CatchUpResult } from './catchUp.ts';
import type { RunResult } from './run.ts';
import type { SystemName } from './systems.ts';

export interface ComparisonFile {
  readonly name: string;
  readonly at: string;
  readonly commit: string;
  readonly machine: string;
  readonly options: Record<string, unknown>;
  readonly runs: readonly RunResult[];
  readonly catchUps?: readonly CatchUpResult[];
}

const COLORS: Readonly<Record<SystemName, string>> = {
  yjs: '#8a8a8a',
  socketio: '#b5b5b5',
  'peerlab-p2p': '#1f6feb',
  'peerlab-client-server': '#d2691e',
  'peerlab-hybrid': '#2e8b57',
};

const ms = (value: number): string => (Number.isFinite(value) ? (value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`) : 'never');
const pct = (value: number): string => `${Math.round(value * 100)} %`;
const kb = (value: number): string => (value >= 1000 ? `${(value / 1000).toFixed(1)} KB` : `${Math.round(value)} B`);

/** The run of `system` at `pages` without a preloaded history. */
function find(runs: readonly RunResult[], system: SystemName, pages: number): RunResult | undefined {
  return runs.find((run) => run.system === system && run.pages === pages && !run.history);
}

interface Goal {
  readonly what: string;
  readonly value: string;
  readonly bound: string;
  readonly met: boolean | undefined;
}

/** Issue 11's goals for one room size, judged within one run. */
export function goals(runs: readonly RunResult[], pages: number): Goal[] {
  const yjs = find(runs, 'yjs', pages);
  const io = find(runs, 'socketio', pages);
  const p2p = find(runs, 'peerlab-p2p', pages);
  const cs = find(runs, 'peerlab-client-server', pages);
  const hybrid = find(runs, 'peerlab-hybrid', pages);
  const out: Goal[] = [];
  const ratio = (what: string, value: number | undefined, anchor: number | undefined, bound: number, higherIsBetter: boolean, format: (v: number) => string): void => {
    if (value === undefined || anchor === undefined) return;
    const r = value / anchor;
    out.push({ what, value: `${format(value)} = ${r.toFixed(2)} ×`, bound: `${higherIsBetter ? '≥' : '≤'} ${bound} × ${format(anchor)}`, met: Number.isFinite(r) ? (higherIsBetter ? r >= bound : r <= bound) : false });
  };
  const rate = (v: number): string => `${Math.round(v)}/s`;
  if (p2p && yjs) {
    for (const run of [p2p, cs, hybrid]) {
      if (run) ratio(`idle machine CPU, ${run.label}`, run.idle.machineCpu, yjs.idle.machineCpu, 2, false, pct);
    }
    if (pages === 8) {
      for (const run of [p2p, hybrid]) {
        if (run) out.push({ what: `idle bytes per page, ${run.label}`, value: `${kb(run.idle.pageBytesPerSecond)}/s`, bound: '≤ 2 KB/s', met: run.idle.pageBytesPerSecond <= 2000 });
      }
    }
    ratio('p2p p95 to the last page', p2p.latency.data.p95, yjs.latency.data.p95, 0.5, false, ms);
    ratio('p2p events/s fully delivered', p2p.throughput.eventsPerSecond, yjs.throughput.eventsPerSecond, 5, true, rate);
    if (p2p.connect.allLinkedMs !== null && yjs.connect.allLinkedMs !== null) ratio('p2p time until all linked', p2p.connect.allLinkedMs, yjs.connect.allLinkedMs, 1, false, ms);
    else out.push({ what: 'p2p time until all linked', value: ms(p2p.connect.allLinkedMs ?? Infinity), bound: `≤ ${ms(yjs.connect.allLinkedMs ?? Infinity)}`, met: false });
    out.push({ what: 'p2p slowest page linked', value: ms(p2p.connect.slowestPageMs ?? Infinity), bound: '≤ 2 s', met: (p2p.connect.slowestPageMs ?? Infinity) <= 2000 });
  }
  if (cs && io) {
    ratio('client-server p95', cs.latency.data.p95, io.latency.data.p95, 1.25, false, ms);
    ratio('client-server events/s fully delivered', cs.throughput.eventsPerSecond, io.throughput.eventsPerSecond, 0.8, true, rate);
  }
  if (hybrid && p2p) {
    ratio('hybrid p95 vs p2p', hybrid.latency.data.p95, p2p.latency.data.p95, 1.25, false, ms);
    ratio('hybrid events/s vs p2p', hybrid.throughput.eventsPerSecond, p2p.throughput.eventsPerSecond, 1 / 1.25, true, rate);
  }
  for (const run of [cs, hybrid, p2p]) {
    if (!run) continue;
    const refusals = (run.latency.extras.serverRefusals ?? 0) + (run.throughput.extras.serverRefusals ?? 0);
    out.push({ what: `server refusals of honest pages, ${run.label}`, value: String(refusals), bound: '0', met: refusals === 0 });
  }
  if (hybrid) out.push({ what: 'hybrid relay bytes (pages all linked directly)', value: kb(hybrid.latency.extras.relayBytes ?? 0), bound: '0', met: (hybrid.latency.extras.relayBytes ?? 0) === 0 });
  return out;
}

function table(runs: readonly RunResult[], pages: number, before?: readonly RunResult[]): string {
  const header = '| system | all linked | slowest page | idle CPU (machine) | idle CPU per page | idle B/s per page | p50 | p95 | max | p95 on screen | delivered | events/s fully delivered | server B per delivery | server HTTP B per delivery | heap per page |';
  const lines = [header, `|${'---|'.repeat(15)}`];
  for (const run of runs.filter((r) => r.pages === pages && !r.history)) {
    const old = before ? find(before, run.system, pages) : undefined;
    const cell = (now: string, was?: string): string => (was === undefined ? now : `${now} (was ${was})`);
    lines.push(
      `| ${run.label} | ${cell(ms(run.connect.allLinkedMs ?? Infinity), old && ms(old.connect.allLinkedMs ?? Infinity))} | ${cell(ms(run.connect.slowestPageMs ?? Infinity), old && ms(old.connect.slowestPageMs ?? Infinity))} | ${cell(pct(run.idle.machineCpu), old && pct(old.idle.machineCpu))} | ${cell(pct(run.idle.pageCpu), old && pct(old.idle.pageCpu))} | ${cell(kb(run.idle.pageBytesPerSecond), old && kb(old.idle.pageBytesPerSecond))} | ${ms(run.latency.data.p50)} | ${cell(ms(run.latency.data.p95), old && ms(old.latency.data.p95))} | ${ms(run.latency.data.max)} | ${ms(run.latency.screen.p95)} | ${run.latency.delivered}/${run.latency.events} | ${cell(String(Math.round(run.throughput.eventsPerSecond)), old && String(Math.round(old.throughput.eventsPerSecond)))} | ${cell(kb(run.latency.serverBytesPerDelivery), old && kb(old.latency.serverBytesPerDelivery))} | ${run.latency.serverHttpBytes === undefined ? '—' : kb(run.latency.serverHttpBytes / Math.max(1, run.latency.events * (run.pages - 1)))} | ${run.heapMB.mean.toFixed(0)} MB |`,
    );
  }
  return lines.join('\n');
}

/** A horizontal bar chart, one bar per system (and a lighter "before" bar above it when given). */
function barChart(title: string, rows: readonly { label: string; color: string; value: number; before?: number }[], format: (v: number) => string, log = false): string {
  const width = 640;
  const rowHeight = 34;
  const left = 170;
  const height = 40 + rows.length * rowHeight;
  const finite = rows.flatMap((row) => [row.value, row.before ?? 0]).filter((v) => Number.isFinite(v) && v > 0);
  const maxValue = Math.max(...finite, 1);
  const minValue = log ? Math.min(...finite, maxValue) / 2 : 0;
  const scale = (v: number): number => {
    if (!Number.isFinite(v)) return width - left - 80;
    if (v <= 0) return 0;
    const span = width - left - 80;
    return log ? (Math.log(v / minValue) / Math.log(maxValue / minValue)) * span : (v / maxValue) * span;
  };
  const bars = rows
    .map((row, i) => {
      const y = 30 + i * rowHeight;
      const before = row.before === undefined ? '' : `<rect x="${left}" y="${y}" width="${scale(row.before).toFixed(1)}" height="9" fill="${row.color}" opacity="0.35"><title>before: ${format(row.before)}</title></rect>`;
      return `${before}<rect x="${left}" y="${y + 10}" width="${scale(row.value).toFixed(1)}" height="16" fill="${row.color}"/><text x="${left - 8}" y="${y + 23}" text-anchor="end">${row.label}</text><text x="${left + scale(row.value) + 6}" y="${y + 23}">${format(row.value)}${row.before === undefined ? '' : ` (was ${format(row.before)})`}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/><text x="10" y="18" font-weight="bold">${title}${log ? ' (log scale)' : ''}</text>${bars}</svg>`;
}

export function writeReport(outDir: string, after: ComparisonFile, before?: ComparisonFile): string {
  const sizes = [...new Set(after.runs.map((run) => run.pages))].sort((a, b) => a - b);
  const charts: string[] = [];
  const chart = (file: string, svg: string): void => {
    writeFileSync(join(outDir, file), svg);
    charts.push(`![${file}](${file})`);
  };
  const focus = sizes.includes(8) ? 8 : sizes[sizes.length - 1]!;
  const rowsFor = (value: (run: RunResult) => number): { label: string; color: string; value: number; before?: number }[] =>
    after.runs
      .filter((run) => run.pages === focus && !run.history)
      .map((run) => {
        const old = before ? find(before.runs, run.system, focus) : undefined;
        return { label: run.label, color: COLORS[run.system], value: value(run), ...(old ? { before: value(old) } : {}) };
      });
  chart(`compare-p95-${focus}.svg`, barChart(`p95 to the last page, ${focus} pages`, rowsFor((run) => run.latency.data.p95), ms, true));
  chart(`compare-throughput-${focus}.svg`, barChart(`events/s fully delivered, ${focus} pages`, rowsFor((run) => run.throughput.eventsPerSecond), (v) => `${Math.round(v)}/s`, true));
  chart(`compare-idle-cpu-${focus}.svg`, barChart(`idle machine CPU, ${focus} pages`, rowsFor((run) => run.idle.machineCpu), pct));
  chart(`compare-idle-bytes-${focus}.svg`, barChart(`idle bytes sent per page per second, ${focus} pages`, rowsFor((run) => run.idle.pageBytesPerSecond), kb, true));

  const sections = sizes.map((pages) => {
    const goalRows = goals(after.runs, pages).map((goal) => `| ${goal.what} | ${goal.value} | ${goal.bound} | ${goal.met === undefined ? '—' : goal.met ? 'met' : '**missed**'} |`);
    return [
      `## ${pages} pages`,
      '',
      table(after.runs, pages, before?.runs),
      '',
      goalRows.length > 0 ? ['| goal | this run | bound | |', '|---|---|---|---|', ...goalRows].join('\n') : '',
    ].join('\n');
  });
  const history = after.runs.filter((run) => run.history > 0).map((run) => {
    const none = find(after.runs, run.system, run.pages);
    const ratio = none ? run.latency.data.p95 / none.latency.data.p95 : Number.NaN;
    return `| ${run.label}, ${run.pages} pages | ${run.history} | ${ms(run.latency.data.p95)} | ${none ? ms(none.latency.data.p95) : '—'} | ${ratio.toFixed(2)} × | ≤ 1.2 × | ${ratio <= 1.2 ? 'met' : '**missed**'} | ${Math.round(run.throughput.eventsPerSecond)}/s | ${run.heapMB.mean.toFixed(0)} MB |`;
  });
  const catchUps = (after.catchUps ?? []).map(
    (c) =>
      `| ${c.missing} of ${c.pages} pages' events | ${kb(c.missedBytes)} | ${kb(c.receivedBytes)} | ${kb(c.boundBytes)} | ${c.receivedBytes <= c.boundBytes ? 'met' : '**missed**'} | ${c.summariesSent} over ${c.links} links | ${c.eventMessagesReceived} | ${ms(c.ms ?? Infinity)} |`,
  );
  const extraSections = [
    history.length > 0
      ? ['## Cost with history', '', 'p95 to the last page while every page holds a long lesson\'s history, against the same run without it.', '', '| run | events held | p95 | p95 with none | ratio | bound | | events/s fully delivered | heap per page |', '|---|---|---|---|---|---|---|---|---|', ...history].join('\n')
      : '',
    catchUps.length > 0
      ? ['## Catch-up of a returning page', '', 'A p2p page leaves (links and server closed, store kept), the others come to hold events it lacks, it returns. Bound: 1.1 × the missed events\' size + 64 B per author.', '', '| missed | their size | received | bound | | summaries sent | event messages | time |', '|---|---|---|---|---|---|---|---|', ...catchUps].join('\n')
      : '',
  ];
  const markdown = [
    `# Peerlab against Yjs + y-webrtc and a bare Socket.IO broadcast`,
    '',
    `Run \`${after.name}\` at ${after.at} on commit ${after.commit} (${after.machine})${before ? `; "was" figures: run \`${before.name}\` at ${before.at}, commit ${before.commit}` : ''}.`,
    `Method (issue 11): each page its own browser context, over two Chromium processes; ${after.options.events} messages of ~${after.options.bytes} B sent ${after.options.intervalMs} ms apart from rotating pages, then every page writing as fast as it can for ${Number(after.options.floodMs) / 1000} s. Latency is measured in the pages, from the write to the moment the message enters the last page's state (Peerlab: its trace's \`held\` mark; Yjs: the array's observer; Socket.IO: the message handler), and to its \`chat-message\` element on screen. Idle: ${Number(after.options.idleMs) / 1000} s with nobody writing. Server bytes: what the server processes wrote to their WebSocket connections (the data path); what they answered over HTTP in the same phase (a Peerlab page's telemetry polls) is its own column. Runs before 2026-12-08 counted both, and the server's log, as one. Reproduce with \`npm run bench:compare\`.`,
    '',
    charts.join('\n'),
    '',
    ...sections,
    '',
    ...extraSections,
    '',
  ].join('\n');
  const path = join(outDir, 'compare.md');
  writeFileSync(path, markdown);
  return path;
}
