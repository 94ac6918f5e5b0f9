/**
 * The bare Socket.IO broadcast page of the comparison: what a user would build instead of Peerlab's
 * client-server mode. Every message goes to the relay, which broadcasts it to everyone else; no
 * validation, no signatures, no persistence. Bundled by the harness.
 */
import type {} from '../instrument.ts';
import { io } from 'socket.io-client';
import { renderer } from './render.ts';

const socket = io({ transports: ['websocket'] });
const show = renderer(document.getElementById('chat')!);

socket.on('m', (text: string) => {
  window.__bench?.delivered(text);
  show(text);
});

window.__app = {
  write: (text) => {
    socket.emit('m', text);
    window.__bench?.delivered(text);
    show(text);
  },
  links: () => 0,
  ready: () => socket.connected,
};
