/**
 * Identity at the door (issue 13), in real Chromium against the real server process: real pages join
 * with a proof of their key, and a raw Socket.IO client that names a page's public key — replaying the
 * page's own join as Chromium sent it, or signing with a key of its own — is refused `bad_join_proof`.
 * The page keeps its place in the room: in client-server every message goes through the server's socket
 * of each member, and the page's still arrive to another page, and the other's to it.
 */
import type { BrowserContext } from '@playwright/test';
import { io, type Socket } from 'socket.io-client';
import { PROTOCOL_VERSION, generateKeyPair, signJoinProof, tweetnaclSigner, type ClientToServerEvents, type JoinRequest, type JoinResponse, type ServerToClientEvents } from '@peerlab/shared';
import { test, expect } from '../fixtures.ts';
import { PeerPage, expectAllMessages } from '../peer.ts';

type RawSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The refusals the server counted for `reason` (`/metrics`). */
async function refusals(url: string, reason: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`peerlab_rejections_total{reason="${reason}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

function ask(socket: RawSocket, request: JoinRequest): Promise<JoinResponse> {
  return new Promise((resolve) => socket.emit('join', request, resolve));
}

test.describe('identity at the door', () => {
  test('a raw client naming a page’s key is refused, replayed or self-signed; the page keeps working', async ({ room, server, browser }) => {
    const ada = await room.open('Ada'); // creates the room: the admin
    // Bob in a browser of his own, whose join is captured as Chromium sends it (Socket.IO's `42<ack>["join",{…}]`).
    const joins: JoinRequest[] = [];
    const bobContext: BrowserContext = await browser.newContext();
    bobContext.on('page', (page) =>
      page.on('websocket', (ws) =>
        ws.on('framesent', ({ payload }) => {
          const match = typeof payload === 'string' ? /^42\d*(\["join",.*\])$/s.exec(payload) : null;
          if (match) joins.push((JSON.parse(match[1]!) as [string, JoinRequest])[1]);
        }),
      ),
    );
    const mallory: RawSocket = io(server.url, { transports: ['websocket'], forceNew: true, reconnection: false });
    // Everything the server sends Mallory but her refusals: a member's share (members, engine messages, signals).
    const taken: string[] = [];
    mallory.onAny((event: string) => {
      if (event !== 'refused') taken.push(event);
    });
    try {
      const bob = await PeerPage.open(bobContext, server.url, room.name, 'Bob');
      await ada.switchMode('client-server');
      await expect(bob.testId('mode')).toHaveText('client-server');
      const bobKey = await bob.page.evaluate(() => (window.peerlab as unknown as { publicKey: string }).publicKey);
      expect(joins.map((join) => join.peer)).toContain(bobKey);
      const bobsJoin = joins.find((join) => join.peer === bobKey)!;
      expect(bobsJoin.proof.sig).toMatch(/^[0-9a-f]{128}$/);

      await expect.poll(() => mallory.connected).toBe(true);
      const before = await refusals(server.url, 'bad_join_proof');
      // Bob's very join, replayed on Mallory's connection: his signature, for another connection.
      expect(await ask(mallory, bobsJoin)).toMatchObject({ ok: false, reason: 'bad_join_proof' });
      // Bob's key named, the proof signed by Mallory's own key for her connection.
      const proof = await signJoinProof({ ...tweetnaclSigner(generateKeyPair()), publicKey: bobKey }, { room: room.name, socket: mallory.id!, at: Date.now() });
      const selfSigned: JoinRequest = { room: room.name, name: 'Mallory', peer: bobKey, adminKey: bobKey, version: PROTOCOL_VERSION, proof };
      expect(await ask(mallory, selfSigned)).toMatchObject({ ok: false, reason: 'bad_join_proof' });
      expect(await refusals(server.url, 'bad_join_proof')).toBe(before + 2);

      // Bob keeps his entry and his socket: listed once under his name, never told he was replaced, and
      // messages flow both ways through the server while Mallory is sent nothing of his.
      expect((await server.room(room.name))?.members.filter((m) => m.peer === bobKey)).toEqual([expect.objectContaining({ name: 'Bob' })]);
      await ada.write('from Ada after the intrusion');
      await bob.write('from Bob after the intrusion');
      await expectAllMessages([ada, bob], ['from Ada after the intrusion', 'from Bob after the intrusion']);
      await expect(bob.testId('pending-count')).toHaveText('0');
      await expect(bob.testId('server-status')).toHaveText('connected');
      expect(await bob.page.evaluate(() => (window.peerlab as unknown as { serverRefusals: Record<string, number> }).serverRefusals)).toEqual({});
      expect(taken).toEqual([]);
      for (const page of [ada, bob]) expect(page.errors).toEqual([]);
    } finally {
      mallory.disconnect();
      await bobContext.close();
    }
  });
});

test.describe('the door for new identities', () => {
  test('the admin sets how many new identities one address may bring; a join beyond it is refused and counted', async ({ room, server, browser }) => {
    const ada = await room.open('Ada'); // creates the room: the admin
    await expect(ada.testId('admission-budget')).toHaveText('60');
    await ada.testId('admission-input').fill('1');
    await ada.testId('admission-set').click();
    await expect(ada.testId('admission-budget')).toHaveText('1');
    const before = await refusals(server.url, 'identity_budget');

    // Every page here comes from 127.0.0.1: Bob's new key takes the one identity a minute, Carol's finds none.
    const bob = await room.open('Bob', 'bob');
    await expect(ada.testId('admission-admitted')).toHaveText('2');
    // Carol's page never gets in, so it is opened without waiting for a joined server link.
    const carolContext = await browser.newContext();
    const carol = await carolContext.newPage();
    await carol.goto(`${server.url}/?${new URLSearchParams({ room: room.name, name: 'Carol' })}`);
    await expect(carol.getByText(/refused to join room .*identity_budget/)).toBeVisible();
    await carolContext.close();
    await expect(ada.testId('admission-refused')).toHaveText('1');
    expect(await refusals(server.url, 'identity_budget')).toBe(before + 1);
    await expect(ada.page.getByTestId('member')).toHaveCount(1);
    await expect(ada.page.getByTestId('member')).toContainText('Bob');

    // Bob's key was admitted: his reload (the same identity, a new connection) is in again, free.
    await bob.page.reload();
    await expect(bob.testId('server-status')).toHaveText('connected');
    await expect(bob.page.getByTestId('member')).toContainText('Ada');
    await expect(ada.testId('admission-refused')).toHaveText('1');
    expect(await refusals(server.url, 'identity_budget')).toBe(before + 1);
  });
});
