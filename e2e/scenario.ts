/**
 * The churn scenarios' vocabulary, on top of the `server` and `room` fixtures: a `scenario` fixture whose
 * steps read like the lesson they test — open pages, write (one message, a burst, or a steady load),
 * close a page, reopen it, reload it, block WebRTC for a page, stop / kill / start the server, switch
 * mode, partition and heal, add bot peers — and one check, `expectEveryLivePeerHasEverything`.
 *
 * What "nothing is lost" means here: every event held by a live peer (a page or a bot still in the room)
 * ends up on every live peer — equal digests and equal counts — and no author's events held by others
 * at any departure go missing later. Events that left with the only peer holding them (written in the
 * last milliseconds before their page closed) are reported as `unreplicated`, not lost.
 *
 * Each scenario appends its numbers (written, delivered, lost, time to converge) to
 * e2e/artifacts/scenarios.json; on failure the `room` fixture attaches screenshots and console logs,
 * and this one the bots' notices.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { test as base, expect, type RoomFixture } from './fixtures.ts';
import { PeerPage, type Mode } from './peer.ts';
import type { ServerProcess } from './server.ts';
import { BotSwarm, type BotPeer } from './bots/botPeer.ts';
import type { PeerSnapshot } from '../client/src/lib/session/peerDriver.ts';

/** `PEERLAB_HEAVY=1` runs the heavier variants (more pages, longer churn, 24 bots). */
export const HEAVY = process.env.PEERLAB_HEAVY === '1';

const SUMMARY_FILE = new URL('./artifacts/scenarios.json', import.meta.url).pathname;
/** How often the convergence check samples every live peer; each sample is one evaluate per page. */
const POLL_MS = 200;

export interface ScenarioResult {
  readonly scenario: string;
  readonly mode?: Mode;
  readonly pages: number;
  readonly bots: number;
  readonly passed: boolean;
  /** Events written by every author over the run (pages, bots, mode switches). */
  readonly written: number;
  /** Of those, events every live peer holds at the end (server-made events, e.g. admissions, not counted). */
  readonly delivered: number;
  /** Events once held by a live peer other than their author that did not reach every live peer. */
  readonly lost: number;
  /** Events that left with the only page holding them (closed or reloaded right after writing). */
  readonly unreplicated: number;
  /** From the end of the last disturbance to every live peer agreeing, per check. */
  readonly convergeMs: number[];
  readonly durationMs: number;
}

export interface OpenOptions {
  /** false: this page's browser has no RTCPeerConnection (WebRTC blocked). */
  readonly webrtc?: boolean;
}

export interface CheckOptions {
  /** The stated time: every live peer must agree within this long after the disturbance ended. */
  readonly within: number;
  /** When the disturbance ended (ms epoch); the call's time by default. */
  readonly since?: number;
  /** Also require this many events at least. */
  readonly atLeast?: number;
}

export class Scenario {
  readonly #room: RoomFixture;
  readonly server: ServerProcess;
  readonly #started = Date.now();
  /** Live pages by name; the first opened is the room's creator and admin. */
  readonly pages = new Map<string, PeerPage>();
  readonly #browserOf = new Map<string, string>();
  readonly #swarms: BotSwarm[] = [];
  /** Highest sequence number seen per author: what it wrote. */
  readonly #written = new Map<string, number>();
  /** Per author, the most events of it held by a live peer other than the author at a departure. */
  readonly #heldByOthers = new Map<string, number>();
  #writerRate = 0;
  #admin: PeerPage | undefined;
  readonly convergeMs: number[] = [];
  final: { delivered: number; lost: number } | undefined;

  constructor(room: RoomFixture, server: ServerProcess) {
    this.#room = room;
    this.server = server;
  }

  get roomName(): string {
    return this.#room.name;
  }

  get admin(): PeerPage {
    if (!this.#admin || this.#admin.page.isClosed()) throw new Error('the admin page is not open');
    return this.#admin;
  }

  get bots(): BotPeer[] {
    return this.#swarms.flatMap((swarm) => swarm.bots);
  }

  page(name: string): PeerPage {
    const page = this.pages.get(name);
    if (!page) throw new Error(`no live page ${name}`);
    return page;
  }

  // ---- peers ----

  /** Opens `count` pages P1..Pn, each its own browser (P1, the admin, creates the room). */
  async openPages(count: number, options: OpenOptions = {}): Promise<PeerPage[]> {
    const opened: PeerPage[] = [];
    for (let i = 1; i <= count; i++) opened.push(await this.open(`P${this.pages.size + 1}`, options));
    return opened;
  }

  /** Opens one page named `name` in its own browser; reopening a closed name reuses that browser (a new tab). */
  async open(name: string, options: OpenOptions = {}): Promise<PeerPage> {
    const browser = this.#browserOf.get(name) ?? (this.#admin ? name : 'teacher');
    this.#browserOf.set(name, browser);
    const page = await this.#room.open(name, browser, options.webrtc === false ? { webrtc: false } : {});
    this.pages.set(name, page);
    this.#admin ??= page;
    if (this.#admin.page.isClosed() && browser === 'teacher') this.#admin = page;
    if (this.#writerRate > 0) await this.#startWriter(page, this.#writerRate);
    return page;
  }

  /** Closes a page like a closed tab: its store goes with it. */
  async closePage(name: string): Promise<void> {
    const page = this.page(name);
    await this.#sampleOne(page);
    this.pages.delete(name);
    await page.page.close();
    await this.#sampleAfterDeparture();
  }

  /** Closes several pages at once (a mass departure). */
  async closePages(names: readonly string[]): Promise<void> {
    const pages = names.map((name) => this.page(name));
    await Promise.all(pages.map((page) => this.#sampleOne(page)));
    for (const name of names) this.pages.delete(name);
    await Promise.all(pages.map((page) => page.page.close()));
    await this.#sampleAfterDeparture();
  }

  /** Opens the page `name` again: a new tab in the same browser (a new identity), which must catch up. */
  async reopen(name: string): Promise<PeerPage> {
    return this.open(name);
  }

  /** Reloads a page: same identity and sequence counter, empty store, catches up from the room. */
  async reload(name: string): Promise<void> {
    const page = this.page(name);
    await this.#sampleOne(page);
    this.pages.delete(name);
    await page.page.reload();
    await this.#sampleAfterDeparture();
    await expect(page.testId('server-status')).toHaveText('connected');
    this.pages.set(name, page);
    if (this.#writerRate > 0) await this.#startWriter(page, this.#writerRate);
  }

  /** Opens a page whose browser has no WebRTC (as behind a firewall that blocks it). */
  async openBlocked(name: string): Promise<PeerPage> {
    return this.open(name, { webrtc: false });
  }

  /** Starts `count` bot peers (the same engine in Node, over real WebRTC) in the room. */
  async startBots(count: number, options: { rate?: number } = {}): Promise<BotPeer[]> {
    const swarm = new BotSwarm({ url: this.server.url, room: this.roomName, count, prefix: `Bot${this.#swarms.length + 1}` });
    this.#swarms.push(swarm);
    await swarm.join();
    if (options.rate) swarm.startWriting(options.rate);
    return swarm.bots;
  }

  // ---- writes ----

  /** One chat message from `name`, typed into the page like a person would. */
  async write(name: string, text: string): Promise<void> {
    await this.page(name).write(text);
  }

  /** `count` messages from `name` as fast as the page takes them (a tight in-page loop). */
  async writeMany(name: string, count: number): Promise<void> {
    await this.page(name).page.evaluate(
      ([n, prefix]) => {
        for (let i = 1; i <= n; i++) window.peerlab?.sendChat(`${prefix} burst ${Date.now()} ${i}`);
      },
      [count, name] as const,
    );
  }

  /** Every live page (and every page opened later) writes `rate` messages a second until `stopWriting`. */
  async startWriting(rate: number): Promise<void> {
    this.#writerRate = rate;
    await Promise.all([...this.pages.values()].map((page) => this.#startWriter(page, rate)));
    for (const swarm of this.#swarms) swarm.startWriting(rate);
  }

  async stopWriting(): Promise<void> {
    this.#writerRate = 0;
    for (const swarm of this.#swarms) swarm.stopWriting();
    await Promise.all(
      [...this.pages.values()].map((page) =>
        page.page.evaluate(() => {
          clearInterval(window.peerlabWriter);
          window.peerlabWriter = undefined;
        }),
      ),
    );
  }

  async #startWriter(page: PeerPage, rate: number): Promise<void> {
    await page.page.evaluate(
      ([ms, prefix]) => {
        clearInterval(window.peerlabWriter);
        let i = 0;
        window.peerlabWriter = setInterval(() => window.peerlab?.sendChat(`${prefix} load ${Date.now()} ${++i}`), ms);
      },
      [1000 / rate, page.name] as const,
    );
  }

  // ---- the server ----

  /** Stops the server gracefully (SIGTERM: pending writes flushed, database closed). */
  async stopServer(): Promise<void> {
    await this.server.stop('SIGTERM');
  }

  /** Kills the server as a crash would (SIGKILL): nothing it acknowledged may be lost. */
  async killServer(): Promise<void> {
    await this.server.stop('SIGKILL');
  }

  /** Starts the server again on the same port and database; waits until every live page is back. */
  async startServer(): Promise<void> {
    await this.server.start();
    for (const page of this.pages.values()) await expect(page.testId('server-status')).toHaveText('connected', { timeout: 30_000 });
  }

  // ---- the admin's controls ----

  /** The admin page switches the room's mode; every live page follows. */
  async switchMode(mode: Mode): Promise<void> {
    await this.admin.switchMode(mode);
    for (const page of this.pages.values()) await expect(page.testId('mode')).toHaveText(mode);
  }

  /** Whether the client exposes the admin's partition control (`window.peerlab.partition`). */
  /** The admin splits the room: each group is a list of page names and bots; peers in no group join the first. */
  async partition(groups: readonly (readonly (string | BotPeer)[])[]): Promise<void> {
    const keys: string[][] = [];
    // Public keys, not the fingerprints the pages display.
    for (const group of groups) keys.push(await Promise.all(group.map((member) => (typeof member === 'string' ? this.#publicKey(this.page(member)) : member.peer))));
    await this.admin.page.evaluate((g) => window.peerlab?.partition?.(g), keys);
  }

  #publicKey(page: PeerPage): Promise<string> {
    return page.page.evaluate(() => (window.peerlab as unknown as { publicKey: string }).publicKey);
  }

  async heal(): Promise<void> {
    await this.admin.page.evaluate(() => window.peerlab?.heal?.());
  }

  // ---- the check ----

  /** Snapshots of every live page and bot. */
  async snapshots(): Promise<PeerSnapshot[]> {
    const pages = await Promise.all([...this.pages.values()].map((page) => page.page.evaluate(() => window.peerlab!.debug.snapshot())));
    const bots = this.bots.filter((bot) => bot.live).map((bot) => bot.state());
    const all = [...pages, ...bots];
    for (const snapshot of all) this.#record(snapshot);
    return all;
  }

  /**
   * Every event held by a live peer reaches every live peer within `within` ms of `since`: equal digests,
   * equal counts, and every author's events that other peers held at a departure still there. Records
   * the time it took.
   */
  async expectEveryLivePeerHasEverything(options: CheckOptions): Promise<number> {
    const since = options.since ?? Date.now();
    const deadline = since + options.within;
    let last = '';
    for (;;) {
      const snapshots = await this.snapshots();
      const verdict = this.#verdict(snapshots, options.atLeast ?? 0);
      if (verdict === undefined) {
        const took = Date.now() - since;
        this.convergeMs.push(took);
        const final = snapshots[0]!;
        this.final = { delivered: this.#delivered(final), lost: this.#lost(final) };
        return took;
      }
      last = verdict;
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const snapshots = await this.snapshots();
    this.final = { delivered: Math.min(...snapshots.map((s) => this.#delivered(s))), lost: Math.max(...snapshots.map((s) => this.#lost(s))) };
    throw new Error(`live peers did not converge within ${options.within} ms: ${last}`);
  }

  /** Why the live peers do not agree yet, or undefined when they do. */
  #verdict(snapshots: readonly PeerSnapshot[], atLeast: number): string | undefined {
    const describe = (): string => snapshots.map((s) => `${s.name}: ${s.events} ev ${s.digest.slice(0, 8)} pend ${s.pending}`).join('; ');
    if (snapshots.length === 0) return 'no live peers';
    if (new Set(snapshots.map((s) => s.digest)).size !== 1) return `digests differ (${describe()})`;
    if (new Set(snapshots.map((s) => s.events)).size !== 1) return `counts differ (${describe()})`;
    if (snapshots[0]!.events < atLeast) return `only ${snapshots[0]!.events} of at least ${atLeast} events`;
    const lost = this.#lost(snapshots[0]!);
    if (lost > 0) return `${lost} events held by others at a departure are missing`;
    return undefined;
  }

  /** Events of the scenario's authors (pages, bots, the admin page's mode switches are its own) this peer holds. */
  #delivered(snapshot: PeerSnapshot): number {
    let delivered = 0;
    for (const author of this.#written.keys()) delivered += snapshot.authors[author] ?? 0;
    return delivered;
  }

  #lost(snapshot: PeerSnapshot): number {
    let lost = 0;
    for (const [author, held] of this.#heldByOthers) lost += Math.max(0, held - (snapshot.authors[author] ?? 0));
    return lost;
  }

  #record(snapshot: PeerSnapshot): void {
    this.#written.set(snapshot.peer, Math.max(this.#written.get(snapshot.peer) ?? 0, snapshot.lastSeq));
  }

  async #sampleOne(page: PeerPage): Promise<void> {
    if (!page.page.isClosed()) this.#record(await page.page.evaluate(() => window.peerlab!.debug.snapshot()));
  }

  /** After a page leaves: what the remaining live peers hold of every author. */
  async #sampleAfterDeparture(): Promise<void> {
    for (const snapshot of await this.snapshots()) {
      for (const [author, count] of Object.entries(snapshot.authors)) {
        if (author === snapshot.peer) continue;
        this.#heldByOthers.set(author, Math.max(this.#heldByOthers.get(author) ?? 0, count));
      }
    }
  }

  /** The numbers for the JSON summary. */
  result(scenario: string, passed: boolean, mode?: Mode): ScenarioResult {
    const written = [...this.#written.values()].reduce((sum, seq) => sum + seq, 0);
    const delivered = this.final?.delivered ?? 0;
    const lost = this.final?.lost ?? 0;
    return {
      scenario,
      ...(mode ? { mode } : {}),
      pages: this.#browserOf.size,
      bots: this.bots.length,
      passed,
      written,
      delivered,
      lost,
      unreplicated: Math.max(0, written - delivered - lost),
      convergeMs: this.convergeMs,
      durationMs: Date.now() - this.#started,
    };
  }

  botNotices(): string {
    return this.bots.map((bot) => `${bot.name}: ${bot.notices.join(' | ') || '(none)'}`).join('\n');
  }

  close(): void {
    for (const swarm of this.#swarms) swarm.close();
  }
}

/** Appends one result to the run's JSON summary (a fresh file per run: global setup removes the old one). */
function appendSummary(result: ScenarioResult): void {
  mkdirSync(new URL('./artifacts/', import.meta.url).pathname, { recursive: true });
  const previous: ScenarioResult[] = existsSync(SUMMARY_FILE) ? (JSON.parse(readFileSync(SUMMARY_FILE, 'utf8')) as ScenarioResult[]) : [];
  writeFileSync(SUMMARY_FILE, JSON.stringify([...previous, result], null, 2) + '\n');
}

export const test = base.extend<{ scenario: Scenario }>({
  scenario: async ({ room, server }, use, testInfo) => {
    const scenario = new Scenario(room, server);
    try {
      await use(scenario);
    } finally {
      const passed = testInfo.status === testInfo.expectedStatus;
      const mode = (['client-server', 'p2p', 'hybrid'] as const).find((m) => testInfo.title.includes(`(${m})`));
      const result = scenario.result(testInfo.titlePath.slice(1).join(' › '), passed, mode);
      appendSummary(result);
      await testInfo.attach('scenario.json', { body: JSON.stringify(result, null, 2), contentType: 'application/json' });
      if (!passed && scenario.bots.length > 0) await testInfo.attach('bots.txt', { body: scenario.botNotices(), contentType: 'text/plain' });
      scenario.close();
    }
  },
});

export { expect };
