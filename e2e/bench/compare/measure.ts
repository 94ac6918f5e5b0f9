/** What the comparison reads off the machine and the pages: CPU, CDP metrics, the in-page counters, percentiles. */
import { readFileSync } from 'node:fs';
import type { CDPSession, Page } from '@playwright/test';
import type { BenchArrivals, BenchCounters } from './instrument.ts';

interface CpuTimes {
  readonly busy: number;
  readonly total: number;
}

function cpuTimes(): CpuTimes {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** The whole machine's CPU use between `start()` and `stop()`, as a share of all cores (0–1). */
export class MachineCpu {
  #start: CpuTimes = cpuTimes();

  start(): void {
    this.#start = cpuTimes();
  }

  stop(): number {
    const end = cpuTimes();
    const total = end.total - this.#start.total;
    return total > 0 ? (end.busy - this.#start.busy) / total : 0;
  }
}

export interface PageMetrics {
  /** Seconds of main-thread tasks so far (CDP TaskDuration). */
  readonly taskSeconds: number;
  readonly scriptSeconds: number;
  readonly heapBytes: number;
}

/** One page with its CDP session and in-page benchmark object. */
export class BenchedPage {
  constructor(
    readonly page: Page,
    readonly index: number,
    private readonly cdp: CDPSession,
  ) {}

  static async open(page: Page, index: number): Promise<BenchedPage> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    return new BenchedPage(page, index, cdp);
  }

  async metrics(): Promise<PageMetrics> {
    const { metrics } = (await this.cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
    const value = (name: string): number => metrics.find((metric) => metric.name === name)?.value ?? 0;
    return { taskSeconds: value('TaskDuration'), scriptSeconds: value('ScriptDuration'), heapBytes: value('JSHeapUsedSize') };
  }

  counters(): Promise<BenchCounters> {
    return this.page.evaluate(() => ({ ...window.__bench!.counters }));
  }

  arrivals(): Promise<BenchArrivals> {
    return this.page.evaluate(() => window.__bench!.arrivals());
  }

  clear(): Promise<void> {
    return this.page.evaluate(() => window.__bench!.clear());
  }

  now(): Promise<number> {
    return this.page.evaluate(() => window.__bench!.now());
  }
}

/** The value at quantile q (0–1) of `values`, nearest rank; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export interface Distribution {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

export function distribution(values: readonly number[]): Distribution {
  return { count: values.length, p50: quantile(values, 0.5), p95: quantile(values, 0.95), max: values.length === 0 ? Number.NaN : Math.max(...values) };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
