/**
 * Scenario vocabulary: fixtures start what a scenario needs (a real server process with its own SQLite
 * file, browser contexts) and a `room` helper opens peers in it, so a spec reads like the lesson it tests.
 */
import { test as base, expect, type BrowserContext } from '@playwright/test';
import { PeerPage } from './peer.ts';
import { ServerProcess } from './server.ts';

export interface RoomFixture {
  readonly name: string;
  /**
   * Opens a peer. Peers opened with the same `browser` label are tabs of one browser (shared
   * localStorage, so they share the room's admin key); the first browser to open the room creates it.
   */
  open(name: string, browser?: string, options?: BrowserOptions): Promise<PeerPage>;
  readonly peers: PeerPage[];
}

export interface BrowserOptions {
  /** false: the browser has no RTCPeerConnection, as where WebRTC is blocked (applies to the whole browser). */
  readonly webrtc?: boolean;
  /** Extra query parameters for the page's URL, e.g. `{ overlay: '2,2,3' }` (applies to this page only). */
  readonly query?: Readonly<Record<string, string>>;
}

interface Fixtures {
  server: ServerProcess;
  room: RoomFixture;
}

export const test = base.extend<Fixtures>({
  server: async ({}, use) => {
    const server = new ServerProcess();
    await server.start();
    await use(server);
    await server.dispose();
  },
  room: async ({ browser, server }, use, testInfo) => {
    const contexts = new Map<string, BrowserContext>();
    const peers: PeerPage[] = [];
    const name = `r${testInfo.title.replace(/[^a-z0-9]/gi, '').slice(0, 20)}${Date.now() % 100000}`;
    await use({
      name,
      peers,
      async open(peerName, browserLabel = 'teacher', options = {}) {
        let context = contexts.get(browserLabel);
        if (!context) {
          context = await browser.newContext();
          if (options.webrtc === false) {
            await context.addInitScript(() => {
              Reflect.deleteProperty(window, 'RTCPeerConnection');
              Reflect.deleteProperty(window, 'webkitRTCPeerConnection');
            });
          }
          contexts.set(browserLabel, context);
        }
        const peer = await PeerPage.open(context, server.url, name, peerName, options.query);
        peers.push(peer);
        return peer;
      },
    });
    if (testInfo.status !== testInfo.expectedStatus) {
      for (const peer of peers) {
        if (!peer.page.isClosed()) await testInfo.attach(`${peer.name}.png`, { body: await peer.page.screenshot(), contentType: 'image/png' });
        await testInfo.attach(`${peer.name}-console.txt`, { body: peer.errors.join('\n') || '(no errors)', contentType: 'text/plain' });
      }
      await testInfo.attach('server.log', { body: server.log.join(''), contentType: 'text/plain' });
    }
    for (const context of contexts.values()) await context.close();
  },
});

export { expect };
