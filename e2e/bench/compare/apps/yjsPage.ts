/**
 * The Yjs + y-webrtc page of the comparison: what a user would build instead of Peerlab's p2p mode. A Y.Doc
 * with one shared array of chat messages over y-webrtc (its own signaling server, a full mesh of data
 * channels), rendered as a list. Bundled by the harness; the query names the room and the signaling URL.
 */
import type {} from '../instrument.ts';
import * as Y from 'yjs';
import { WebrtcProvider } from 'y-webrtc';
import { renderer } from './render.ts';

const params = new URLSearchParams(location.search);
const doc = new Y.Doc();
const provider = new WebrtcProvider(params.get('room') ?? 'bench', doc, { signaling: [params.get('signaling') ?? ''] });
const chat = doc.getArray<string>('chat');
const show = renderer(document.getElementById('chat')!);

chat.observe((event) => {
  for (const delta of event.changes.delta) {
    if (!Array.isArray(delta.insert)) continue;
    for (const text of delta.insert as string[]) {
      window.__bench?.delivered(text);
      show(text);
    }
  }
});

interface Conn {
  readonly connected: boolean;
}

window.__app = {
  write: (text) => chat.push([text]),
  links: () => [...((provider.room?.webrtcConns as Map<string, Conn> | undefined)?.values() ?? [])].filter((conn) => conn.connected).length,
  ready: () => provider.connected,
};
