/** One Peerlab peer view in a page, driven only through the automation contract's data-testids. */
import { expect, type BrowserContext, type Page } from '@playwright/test';
import { CHAT_WINDOW } from '@peerlab/shared';
import type { PeerSnapshot } from '../client/src/lib/session/peerDriver.ts';
import type { ClassroomView } from '../client/src/lib/session/classroomView.ts';

export type Mode = 'client-server' | 'p2p' | 'hybrid';

declare global {
  interface Window {
    /** The part of the page's PeerSession the suite reaches into: its debug/test hooks and a few actions. */
    peerlab?: {
      readonly debug: { directPeers(): string[]; dropDirectLink(peer: string): boolean; snapshot(): PeerSnapshot; classroom?(): ClassroomView };
      sendChat(text: string): boolean;
      switchMode(mode: Mode): void;
      partition?(groups: readonly (readonly string[])[]): void;
      heal?(): void;
    };
    /** The churn scenarios' in-page writer loop. */
    peerlabWriter?: ReturnType<typeof setInterval>;
  }
}

export class PeerPage {
  readonly errors: string[] = [];

  constructor(readonly page: Page, readonly name: string) {
    page.on('console', (message) => {
      if (message.type() === 'error') this.errors.push(message.text());
    });
    page.on('pageerror', (error) => this.errors.push(`pageerror: ${error.message}`));
  }

  static async open(context: BrowserContext, baseUrl: string, room: string, name: string, query: Readonly<Record<string, string>> = {}): Promise<PeerPage> {
    const peer = new PeerPage(await context.newPage(), name);
    const params = new URLSearchParams({ room, name, ...query });
    await peer.page.goto(`${baseUrl}/?${params}`);
    await expect(peer.page.getByTestId('server-status')).toHaveText('connected');
    return peer;
  }

  testId(id: string) {
    return this.page.getByTestId(id);
  }

  async write(text: string): Promise<void> {
    await this.testId('chat-input').fill(text);
    await this.testId('chat-send').click();
    await expect(this.testId('chat-input')).toHaveValue('');
  }

  async switchMode(mode: Mode): Promise<void> {
    await this.testId('mode-select').selectOption(mode);
    await expect(this.testId('mode')).toHaveText(mode);
  }

  async digest(): Promise<string> {
    return (await this.testId('state-digest').innerText()).trim();
  }

  async eventCount(): Promise<number> {
    return Number((await this.testId('event-count').innerText()).trim());
  }

  async peerCount(): Promise<number> {
    return Number((await this.testId('peer-count').innerText()).trim());
  }

  async identity(): Promise<string> {
    return (await this.testId('identity').innerText()).trim();
  }

  /** The chat messages shown: the newest CHAT_WINDOW of them. */
  async messages(): Promise<string[]> {
    return this.testId('chat-message').allInnerTexts();
  }

  /** Waits until the page holds `count` chat messages in all and shows the newest of them (at most CHAT_WINDOW). */
  async expectChatCount(count: number, timeout?: number): Promise<void> {
    await expect(this.testId('chat-total')).toHaveText(String(count), timeout === undefined ? {} : { timeout });
    await expect(this.testId('chat-message')).toHaveCount(Math.min(count, CHAT_WINDOW));
  }

  /** Debug hook (`window.peerlab.debug`): keys of the peers this page holds an open direct channel with. */
  async directPeers(): Promise<string[]> {
    return this.page.evaluate(() => window.peerlab?.debug.directPeers() ?? []);
  }

  /** Debug hook: breaks this page's direct channel to `peer` as if the network had. */
  async dropDirectLink(peer: string): Promise<boolean> {
    return this.page.evaluate((key) => window.peerlab?.debug.dropDirectLink(key) ?? false, peer);
  }

  async reload(): Promise<void> {
    await this.page.reload();
    await expect(this.testId('server-status')).toHaveText('connected');
  }
}

/** Waits until every page shows the same digest and the same event count, at least `atLeast` events. */
export async function expectConverged(peers: readonly PeerPage[], atLeast = 1, timeout = 20_000): Promise<void> {
  await expect
    .poll(
      async () => {
        const digests = await Promise.all(peers.map((peer) => peer.digest()));
        const counts = await Promise.all(peers.map((peer) => peer.eventCount()));
        return new Set(digests).size === 1 && new Set(counts).size === 1 && counts[0]! >= atLeast;
      },
      { timeout, message: 'pages did not converge on one digest' },
    )
    .toBe(true);
}

/** Every page shows every text among its chat messages. */
export async function expectAllMessages(peers: readonly PeerPage[], texts: readonly string[], timeout = 20_000): Promise<void> {
  for (const peer of peers) {
    await expect
      .poll(async () => {
        const shown = (await peer.messages()).join('\n');
        return texts.filter((text) => !shown.includes(text));
      }, { timeout, message: `${peer.name} is missing messages` })
      .toEqual([]);
  }
}
