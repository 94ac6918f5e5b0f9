/**
 * What drawing costs an idle room: four peer pages and a presenter (each its own browser context, real
 * WebRTC, a real server), nobody writing. For each build of the client named on the command line, side by
 * side in one run and interleaved round by round, the main-thread time each page spends per second
 * (CDP `Performance.getMetrics`: TaskDuration, ScriptDuration, LayoutDuration, RecalcStyleDuration deltas)
 * in two states: the drawings in view (1280×720, each page scrolled to its room graph), and the page
 * scrolled so no drawing is in view (1280×400, as far from every drawing as the page allows). A benchmark, not a test: it prints numbers and asserts nothing.
 *
 *   npx tsx e2e/bench/draw.ts [--seconds 20] [--rounds 2] [--variant NAME=CLIENT_DIST ...]
 *
 * Without `--variant` it measures `client/dist` (run `npm run build` first). To compare with another build,
 * build it elsewhere (e.g. `git archive main | tar -x -C /tmp/main`, link node_modules, `vite build`) and
 * name both: `--variant main=/tmp/main/client/dist --variant head=client/dist`.
 */
import { chromium, type Browser, type CDPSession, type Page } from '@playwright/test';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { systemChromium } from '../browser.ts';
import { ServerProcess } from '../server.ts';

const METRICS = ['TaskDuration', 'ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration'] as const;
type Metric = (typeof METRICS)[number];
type PerSecond = Record<Metric, number>;
type State = 'in view' | 'out of view';

/** Peers in the room besides the presenter. */
const PEERS = 4;
/** Time for links, reports and the layout to settle before measuring, ms. */
const SETTLE_MS = 10_000;
/**
 * The viewport of the "out of view" state: short enough that every page has a scroll position well clear of
 * all its drawings (the drawing rule counts a margin around the viewport as seen).
 */
const OUT_OF_VIEW_VIEWPORT = { width: 1280, height: 400 };
/** Drawings a page may have: the room graph, the topology, the charts, the space-time diagram (the join QR code is no drawing). */
const DRAWINGS = 'svg:not([data-testid="join-qr"] svg)';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '20' }, rounds: { type: 'string', default: '2' }, variant: { type: 'string', multiple: true } },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const variants = (values.variant ?? ['head=client/dist']).map((spec) => {
  const [name, dist] = spec.split('=');
  if (!name || !dist) throw new Error(`--variant NAME=CLIENT_DIST, not ${spec}`);
  return { name, dist: resolve(dist) };
});

const progress = (text: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);

async function metrics(cdp: CDPSession): Promise<PerSecond> {
  const all = ((await cdp.send('Performance.getMetrics')).metrics as { name: string; value: number }[]).filter((m) => (METRICS as readonly string[]).includes(m.name));
  return Object.fromEntries(all.map((m) => [m.name, m.value])) as PerSecond;
}

/** Scrolls the page so its drawings are in view (the room graph centred) or as far from every drawing as it can. */
async function scrollTo(page: Page, state: State): Promise<number> {
  if (state === 'in view') {
    await page.getByTestId('room-graph').scrollIntoViewIfNeeded();
    return 0;
  }
  await page.setViewportSize(OUT_OF_VIEW_VIEWPORT);
  // The scroll position whose viewport is farthest from every drawing; its distance (negative: overlapping).
  return page.evaluate((selector) => {
    const rects = [...document.querySelectorAll(selector)].map((element) => element.getBoundingClientRect()).filter((rect) => rect.height > 0);
    const top = window.scrollY;
    const spans = rects.map((rect) => [rect.top + top, rect.bottom + top] as const);
    const max = document.documentElement.scrollHeight - innerHeight;
    let best = { y: 0, gap: -Infinity };
    for (let y = 0; y <= max; y += 10) {
      const gap = Math.min(...spans.map(([from, to]) => Math.max(from - (y + innerHeight), y - to)));
      if (gap > best.gap) best = { y, gap };
    }
    window.scrollTo(0, best.y);
    return best.gap;
  }, DRAWINGS);
}

interface Measured {
  readonly variant: string;
  readonly round: number;
  readonly state: State;
  /** ms of main thread per second, mean over the peer pages, and the presenter's. */
  readonly peer: PerSecond;
  readonly presenter: PerSecond;
  /** Smallest distance between the viewport and a drawing, per page (px; negative: a drawing in view). */
  readonly gaps: readonly number[];
}

async function measureVariant(browser: Browser, variant: { name: string; dist: string }, round: number): Promise<Measured[]> {
  const server = new ServerProcess({ env: { PEERLAB_CLIENT_DIST: variant.dist } });
  await server.start();
  const room = `draw${Date.now() % 100000}`;
  const contexts = [];
  const peers: Page[] = [];
  try {
    for (let i = 0; i < PEERS; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${server.url}/?room=${room}&name=Peer${i + 1}`);
      await page.getByTestId('server-status').filter({ hasText: 'connected' }).waitFor();
      peers.push(page);
    }
    const presenterContext = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    contexts.push(presenterContext);
    const presenter = await presenterContext.newPage();
    await presenter.goto(`${server.url}/present?room=${room}`);
    await presenter.getByTestId('telemetry-source').waitFor();
    for (const page of peers) await page.waitForFunction((n) => Number(document.querySelector('[data-testid="peer-count"]')?.textContent) >= n, PEERS - 1, { timeout: 60_000 });
    const pages = [...peers, presenter];
    const sessions = await Promise.all(pages.map(async (page) => {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      return cdp;
    }));
    const out: Measured[] = [];
    for (const state of ['in view', 'out of view'] as const) {
      const gaps = await Promise.all(pages.map((page) => scrollTo(page, state)));
      await new Promise((resolveWait) => setTimeout(resolveWait, state === 'in view' ? SETTLE_MS : 2000));
      const before = await Promise.all(sessions.map(metrics));
      await new Promise((resolveWait) => setTimeout(resolveWait, seconds * 1000));
      const after = await Promise.all(sessions.map(metrics));
      const perSecond = (i: number): PerSecond => Object.fromEntries(METRICS.map((m) => [m, ((after[i]![m] - before[i]![m]) * 1000) / seconds])) as PerSecond;
      const peerMean = Object.fromEntries(METRICS.map((m) => [m, peers.reduce((sum, _, i) => sum + perSecond(i)[m], 0) / peers.length])) as PerSecond;
      out.push({ variant: variant.name, round, state, peer: peerMean, presenter: perSecond(peers.length), gaps });
      progress(`${variant.name} round ${round} ${state}: peer ${peerMean.TaskDuration.toFixed(1)} ms/s, presenter ${perSecond(peers.length).TaskDuration.toFixed(1)} ms/s`);
    }
    return out;
  } finally {
    for (const context of contexts) await context.close();
    await server.dispose();
  }
}

function table(results: readonly Measured[]): string {
  const mean = (list: readonly PerSecond[]): PerSecond => Object.fromEntries(METRICS.map((m) => [m, list.reduce((sum, x) => sum + x[m], 0) / list.length])) as PerSecond;
  const lines = ['| page | state | ' + variants.map((v) => `${v.name}: task · script · layout · style (ms/s)`).join(' | ') + (variants.length > 1 ? ` | task ${variants.at(-1)!.name} / ${variants[0]!.name}` : '') + ' |'];
  lines.push('|' + ' --- |'.repeat(2 + variants.length + (variants.length > 1 ? 1 : 0)));
  for (const page of ['peer', 'presenter'] as const) {
    for (const state of ['in view', 'out of view'] as const) {
      const cells = variants.map((v) => mean(results.filter((r) => r.variant === v.name && r.state === state).map((r) => r[page])));
      const text = cells.map((c) => METRICS.map((m) => c[m].toFixed(1)).join(' · '));
      const ratio = variants.length > 1 ? ` | ${(cells.at(-1)!.TaskDuration / cells[0]!.TaskDuration).toFixed(2)}` : '';
      lines.push(`| ${page === 'peer' ? `peer (mean of ${PEERS})` : 'presenter'} | ${state} | ${text.join(' | ')}${ratio} |`);
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const executablePath = systemChromium();
  const browser = await chromium.launch({ ...(executablePath ? { executablePath } : {}), args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  const results: Measured[] = [];
  try {
    for (let round = 1; round <= rounds; round++) for (const variant of variants) results.push(...(await measureVariant(browser, variant, round)));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify({ seconds, rounds, peers: PEERS, variants, results }, null, 2));
  console.log(`\n${table(results)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
