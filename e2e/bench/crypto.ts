/**
 * `npm run bench:crypto [-- --before REF] [--ms 1500] [--writes 100]`: what signing costs.
 * - Node: signatures made and checked a second by tweetnacl, @noble, node:crypto and WebCrypto (Node's),
 *   and for the server's two candidate verifiers the event-loop time each check takes.
 * - Chromium: the same rates in a page (tweetnacl, @noble, WebCrypto), and the event id's SHA-512.
 * - A real peer page: the main-thread cost of one `sendChat` (linked to a second page, so the write is
 *   pushed over WebRTC): the time spent in the call, plus, where signing is deferred, in the engine's
 *   handling of the signature (the `signed` input and the outputs it causes), p50 and p95. Measured on
 *   this checkout (native path, and @noble on an insecure origin) and, with `--before REF`, on a build of
 *   that git ref (e.g. `main`), in alternating rounds of one run.
 * A benchmark, not a test: it prints numbers (a table, then JSON, also written to e2e/artifacts) and
 * asserts nothing. Run it under the machine's shared lock.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type Browser, type Page } from '@playwright/test';
import { generateKeyPair, nobleSigner, nobleVerifier, toHex, tweetnaclSigner, tweetnaclVerifier, webCryptoSigner, webCryptoVerifier, type Verifier, type VerifyRequest } from '@peerlab/shared';
import { nodeCryptoPoolVerifier, nodeCryptoSigner, nodeCryptoVerifier } from '@peerlab/shared/node';
import { CHROMIUM_ARGS, systemChromium } from '../browser.ts';
import { openCryptoHarness } from '../harness/cryptoHarness.ts';
import { ServerProcess } from '../server.ts';

const REPO_ROOT = new URL('../..', import.meta.url).pathname;
const INSECURE_HOST = 'peerlab-lan.test';

function option(name: string, fallback: string | undefined): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}
const MS = Number(option('ms', '1500'));
const WRITES = Number(option('writes', '100'));
const BEFORE = option('before', undefined);
/** Between two writes: long enough for the signature and the refresh of the first to be over. */
const WRITE_GAP_MS = 50;
const WARMUP_WRITES = 10;
/** Signatures per batch: about what arrives at once when a few peers write. */
const BATCH = 32;

const progress = (text: string): void => void process.stderr.write(`[bench:crypto] ${text}\n`);

// ---- Node ----

function sample(i: number): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ author: 'a'.repeat(64), body: { name: 'bench', text: `message number ${i} of the benchmark, about one hundred bytes of chat text in all` }, kind: 'chat', lamport: i, room: 'bench', seq: i, v: 1 }));
}

async function rate(batch: () => Promise<unknown> | unknown, size: number): Promise<number> {
  await batch();
  const start = performance.now();
  let done = 0;
  while (performance.now() - start < MS) {
    await batch();
    done += size;
  }
  return Math.round((done * 1000) / (performance.now() - start));
}

interface Rates {
  readonly sign: number;
  readonly verify: number;
}

async function nodeRates(): Promise<Record<string, Rates>> {
  const pair = generateKeyPair();
  const messages = Array.from({ length: BATCH }, (_, i) => sample(i));
  const sync = { tweetnacl: tweetnaclSigner(pair), noble: nobleSigner(pair), 'node:crypto': nodeCryptoSigner(pair) };
  const verifiers: Record<string, Verifier> = { tweetnacl: tweetnaclVerifier, noble: nobleVerifier, 'node:crypto': nodeCryptoVerifier, webcrypto: webCryptoVerifier() };
  const requests: VerifyRequest[] = messages.map((message, i) => ({ id: String(i), publicKey: pair.publicKey, message, signature: toHex(sync['node:crypto'].sign(message)) }));
  const out: Record<string, Rates> = {};
  for (const name of ['tweetnacl', 'noble', 'node:crypto', 'webcrypto']) {
    progress(`node: ${name}`);
    const signer = webCryptoSigner(pair);
    const sign = name === 'webcrypto' ? () => signer.signBatch(messages) : () => messages.map((message) => sync[name as keyof typeof sync].sign(message));
    out[name] = { sign: await rate(sign, BATCH), verify: await rate(() => verifiers[name]!.verifyBatch(requests), BATCH) };
  }
  return out;
}

/** The server's candidate verifiers: checks a second, and the event loop's busy time per check (µs). */
async function serverVerifiers(): Promise<Record<string, { readonly perSecond: number; readonly loopMicrosPerCheck: number }>> {
  const pair = generateKeyPair();
  const signer = nodeCryptoSigner(pair);
  const requests = Array.from({ length: BATCH }, (_, i) => sample(i)).map((message, i) => ({ id: String(i), publicKey: pair.publicKey, message, signature: toHex(signer.sign(message)) }));
  const out: Record<string, { perSecond: number; loopMicrosPerCheck: number }> = {};
  for (const [name, verifier] of [['node:crypto (sync)', nodeCryptoVerifier], ['node:crypto (pool)', nodeCryptoPoolVerifier], ['webcrypto (Node)', webCryptoVerifier()]] as const) {
    await verifier.verifyBatch(requests);
    const loop = performance.eventLoopUtilization();
    const start = performance.now();
    let done = 0;
    while (performance.now() - start < MS) {
      await verifier.verifyBatch(requests);
      done += BATCH;
    }
    const used = performance.eventLoopUtilization(loop);
    out[name] = { perSecond: Math.round((done * 1000) / (performance.now() - start)), loopMicrosPerCheck: Math.round(((used.active * 1000) / done) * 10) / 10 };
  }
  return out;
}

// ---- a checkout of another ref, built ----

/** A copy of `ref` with this checkout's node_modules and its client built, kept in the temp dir by commit. */
function prepareCheckout(ref: string): string {
  const commit = execFileSync('git', ['rev-parse', ref], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  const dir = join(tmpdir(), `peerlab-bench-${commit.slice(0, 12)}`);
  if (existsSync(join(dir, 'client/dist/index.html'))) return dir;
  progress(`preparing ${ref} (${commit.slice(0, 8)}) in ${dir}`);
  mkdirSync(dir, { recursive: true });
  execFileSync('bash', ['-c', `git -C ${JSON.stringify(REPO_ROOT)} archive ${commit} | tar -x -C ${JSON.stringify(dir)}`]);
  cpSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  execFileSync('npm', ['run', 'build', '-w', 'client'], { cwd: dir, stdio: 'ignore' });
  return dir;
}

// ---- a real page ----

export interface WriteCost {
  readonly path: string;
  /** ms in the `sendChat` call. */
  readonly call: readonly number[];
  /** ms in the engine's handling of the signature and its outputs (0 where the call signed inline). */
  readonly result: readonly number[];
}

interface PeerlabPage {
  sendChat(text: string): boolean;
  attackPort(): { node: { handle(input: { type: string }, now: number): unknown } };
}

async function openPeer(browser: Browser, origin: string, room: string, name: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${origin}/?room=${room}&name=${name}`);
  await page.getByTestId('server-status').filter({ hasText: 'connected' }).waitFor({ timeout: 60_000 });
  return page;
}

/** Two pages of one room, linked; the first writes `WRITES` times, each one timed. */
async function writeCost(browser: Browser, origin: string, label: string): Promise<WriteCost> {
  const room = `bench${label.replace(/[^a-z]/gi, '')}${Date.now() % 100000}`;
  const writer = await openPeer(browser, origin, room, 'Writer');
  const reader = await openPeer(browser, origin, room, 'Reader');
  for (const page of [writer, reader]) await page.waitForFunction(() => Number(document.querySelector('[data-testid="peer-count"]')?.textContent) >= 1, undefined, { timeout: 60_000 });
  const path = (await writer.getByTestId('crypto-path').textContent({ timeout: 1000 }).catch(() => null)) ?? 'tweetnacl (inline, as built)';
  const rows = await writer.evaluate(
    async ({ writes, warmup, gap }) => {
      const session = (window as unknown as { peerlab: PeerlabPage }).peerlab;
      const node = session.attackPort().node;
      const handle = node.handle;
      const results: number[] = [];
      // The `signed` input's handling ends with the driver's callback that fed it: a microtask queued
      // inside the engine runs right after that callback, outputs performed and all.
      node.handle = (input, now) => {
        if (input.type === 'signed') {
          const start = performance.now();
          queueMicrotask(() => results.push(performance.now() - start));
        }
        return handle.call(node, input, now);
      };
      const out: { call: number; result: number }[] = [];
      for (let i = 0; i < writes + warmup; i++) {
        const before = results.length;
        const start = performance.now();
        session.sendChat(`bench ${i}: about one hundred bytes of chat text, as in the classroom measurements`);
        const call = performance.now() - start;
        await new Promise((resolve) => setTimeout(resolve, gap));
        if (i >= warmup) out.push({ call, result: results.slice(before).reduce((sum, ms) => sum + ms, 0) });
      }
      node.handle = handle;
      return out;
    },
    { writes: WRITES, warmup: WARMUP_WRITES, gap: WRITE_GAP_MS },
  );
  await writer.context().close();
  await reader.context().close();
  return { path, call: rows.map((row) => row.call), result: rows.map((row) => row.result) };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 1000) / 1000;
}

function summary(cost: WriteCost) {
  const total = cost.call.map((call, i) => call + cost.result[i]!);
  return {
    path: cost.path,
    writes: total.length,
    callMs: { p50: percentile(cost.call, 50), p95: percentile(cost.call, 95) },
    resultMs: { p50: percentile(cost.result, 50), p95: percentile(cost.result, 95) },
    totalMs: { p50: percentile(total, 50), p95: percentile(total, 95) },
  };
}

function merge(costs: readonly WriteCost[]): WriteCost {
  return { path: costs[0]!.path, call: costs.flatMap((cost) => cost.call), result: costs.flatMap((cost) => cost.result) };
}

// ---- main ----

async function main(): Promise<void> {
  const node = await nodeRates();
  const server = await serverVerifiers();
  const executablePath = systemChromium();
  const browser = await chromium.launch({ ...(executablePath ? { executablePath } : {}), args: [...CHROMIUM_ARGS, `--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`] });
  const after = new ServerProcess();
  await after.start();
  const beforeServer = BEFORE ? new ServerProcess(prepareCheckout(BEFORE)) : undefined;
  await beforeServer?.start();
  try {
    progress('chromium: rates');
    const harness = await browser.newPage();
    await openCryptoHarness(harness, after.url);
    const page: Record<string, Rates> = {};
    for (const path of ['tweetnacl', 'noble', 'webcrypto'] as const) page[path] = await harness.evaluate(({ path, ms }) => window.peerlabCrypto!.rates(path, ms), { path, ms: MS });
    const eventIdHash = await harness.evaluate((ms) => window.peerlabCrypto!.hashRates(ms), MS);
    await harness.close();

    // Alternating rounds, so drift on a shared machine falls on every variant alike.
    const variants: [string, string][] = [
      ...(beforeServer ? ([[`before (${BEFORE})`, beforeServer.url]] as [string, string][]) : []),
      ['after: native', after.url],
      ['after: insecure origin', after.url.replace('127.0.0.1', INSECURE_HOST)],
    ];
    const rounds = new Map<string, WriteCost[]>();
    for (let round = 0; round < 2; round++) {
      for (const [label, origin] of variants) {
        progress(`page: ${label}, round ${round + 1}`);
        rounds.set(label, [...(rounds.get(label) ?? []), await writeCost(browser, origin, label)]);
      }
    }
    const writes = Object.fromEntries([...rounds].map(([label, costs]) => [label, summary(merge(costs))]));
    const result = { machine: { cores: (await import('node:os')).cpus().length, load: (await import('node:os')).loadavg().map((x) => Math.round(x * 10) / 10) }, batch: BATCH, ms: MS, node, server, page, eventIdHash, sendChat: writes };

    const rows = (title: string, rates: Record<string, Rates>) => [`${title}`, ...Object.entries(rates).map(([name, r]) => `  ${name.padEnd(12)} sign ${String(r.sign).padStart(7)}/s   verify ${String(r.verify).padStart(7)}/s`)];
    console.log(
      [
        ...rows('Node (batches of 32):', node),
        'Server verifiers:',
        ...Object.entries(server).map(([name, r]) => `  ${name.padEnd(18)} ${String(r.perSecond).padStart(7)} checks/s, event loop ${r.loopMicrosPerCheck} µs a check`),
        ...rows('Chromium page (batches of 32):', page),
        `Event id in Chromium: SHA-512 by tweetnacl ${eventIdHash.tweetnacl}/s, by @noble/hashes ${eventIdHash.noble}/s (same output: ${eventIdHash.same}); whole eventId ${eventIdHash.eventId}/s`,
        'sendChat main-thread cost (ms, p50 / p95):',
        ...Object.entries(writes).map(([label, s]) => `  ${label.padEnd(26)} [${s.path}] call ${s.callMs.p50} / ${s.callMs.p95}   signed ${s.resultMs.p50} / ${s.resultMs.p95}   total ${s.totalMs.p50} / ${s.totalMs.p95}`),
      ].join('\n'),
    );
    console.log(JSON.stringify(result, null, 2));
    const artifacts = new URL('../artifacts/', import.meta.url).pathname;
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(join(artifacts, 'bench-crypto.json'), JSON.stringify(result, null, 2));
  } finally {
    await browser.close();
    await after.dispose();
    await beforeServer?.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
