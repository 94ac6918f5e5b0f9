import { mount } from 'svelte';
import './app.css';
import { attackerFrom, iceServersFrom, overlayFrom, passcodeFrom, protocolFrom, routeFrom } from './lib/config.ts';

const target = document.getElementById('app')!;
const route = routeFrom(location);
const iceServers = iceServersFrom(location);
const overlay = overlayFrom(location);
const passcode = passcodeFrom(location);
const attacker = attackerFrom(location);

// Each view is its own chunk, loaded on demand: a student's phone downloads the peer view only, not the
// presenter's charts, the lab or the simulator.
switch (route.view) {
  case 'present':
    if (new URLSearchParams(location.search).get('room') !== route.room) history.replaceState(null, '', `/present?room=${route.room}`);
    void import('./views/PresentView.svelte').then(({ default: PresentView }) => mount(PresentView, { target, props: { room: route.room, iceServers } }));
    break;
  case 'lab':
    void import('./views/LabView.svelte').then(({ default: LabView }) => mount(LabView, { target, props: { room: route.room, count: route.count, iceServers, overlay, passcode, attacker } }));
    break;
  case 'sim':
    void import('./views/SimView.svelte').then(({ default: SimView }) => mount(SimView, { target, props: { query: route.query } }));
    break;
  case 'peer':
    void import('./views/PeerView.svelte').then(({ default: PeerView }) => mount(PeerView, { target, props: { room: route.room, name: route.name, iceServers, overlay, protocol: protocolFrom(location), passcode, attacker } }));
    break;
  default:
    route satisfies never;
}
