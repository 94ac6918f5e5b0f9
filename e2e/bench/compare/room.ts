/**
 * A benchmark room: a system's servers and N pages in it, each its own browser context, spread over two
 * Chromium processes, with the instrumentation installed. The first page opens alone (it creates the
 * room and puts it in the system's mode), then the others open together; `connect` says how long until
 * every page had its links.
 */
import { chromium, type Browser, type Page } from '@playwright/test';
import { systemChromium } from '../../browser.ts';
import { instrumentPage } from './instrument.ts';
import { BenchedPage, sleep } from './measure.ts';
import { startSystem, type RunningSystem, type SystemName } from './systems.ts';

const LAUNCH_ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface Connect {
  /** Links a page needed to count as linked. */
  readonly target: number;
  /** From the last page's start until every page had its links; null if some never did. */
  readonly allLinkedMs: number | null;
  /** The slowest page (but the first), from its own start until it had its links. */
  readonly slowestPageMs: number | null;
}

export interface BenchRoom {
  readonly name: string;
  readonly system: RunningSystem;
  readonly all: readonly BenchedPage[];
  readonly pages: readonly Page[];
  /** Page errors seen so far (the list keeps growing). */
  readonly errors: string[];
  readonly connect: Connect;
  close(): Promise<void>;
}

/** Polls `check` (start-up and completion conditions, never a measured time) until true or `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return check();
}

export async function openRoom(systemName: SystemName, pagesDir: string, n: number, patienceMs: number): Promise<BenchRoom> {
  const errors: string[] = [];
  const system = await startSystem(systemName, pagesDir);
  const executablePath = systemChromium();
  const browsers: Browser[] = [];
  const close = async (): Promise<void> => {
    for (const browser of browsers) await browser.close().catch(() => undefined);
    await system.stop();
  };
  try {
    for (let i = 0; i < Math.min(2, n); i++) browsers.push(await chromium.launch({ headless: true, args: LAUNCH_ARGS, ...(executablePath ? { executablePath } : {}) }));
    const name = `bench${Date.now() % 1_000_000}`;
    const open = async (index: number): Promise<BenchedPage> => {
      const context = await browsers[index % browsers.length]!.newContext();
      // tsx (esbuild with keepNames) wraps named functions in `__name(...)`, which the functions Playwright sends
      // into a page would then call: give pages a no-op one.
      await context.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
      await context.addInitScript(instrumentPage);
      const page = await context.newPage();
      page.on('pageerror', (error) => errors.push(`P${index}: ${error.message}`));
      const benched = await BenchedPage.open(page, index);
      await page.goto(system.url(name, index));
      await system.attach(page);
      return benched;
    };

    const first = await open(0);
    await system.prepareRoom(first.page);
    const all = [first, ...(await Promise.all(Array.from({ length: n - 1 }, (_, i) => open(i + 1))))];
    const pages = all.map((benched) => benched.page);
    if (!(await waitUntil(async () => (await Promise.all(pages.map((page) => system.inMode(page)))).every(Boolean), patienceMs))) errors.push('not every page reached the mode');
    const target = system.linkTarget(n);
    await Promise.all(pages.map((page) => page.evaluate((t) => window.__bench!.watchLinks(t), target)));
    const starts = await Promise.all(pages.map((page) => page.evaluate(() => performance.timeOrigin)));
    const lastStart = Math.max(...starts);
    const linked = await waitUntil(async () => (await Promise.all(pages.map((page) => page.evaluate(() => window.__bench!.linkedAt !== undefined)))).every(Boolean), patienceMs, 50);
    const linkedAt = await Promise.all(pages.map((page) => page.evaluate(() => window.__bench!.linkedAt ?? 0)));
    const connect: Connect = {
      target,
      allLinkedMs: linked ? Math.max(...linkedAt) - lastStart : null,
      slowestPageMs: linked && n > 1 ? Math.max(...linkedAt.slice(1).map((at, i) => at - starts[i + 1]!)) : null,
    };
    return { name, system, all, pages, errors, connect, close };
  } catch (error) {
    await close();
    throw error;
  }
}
