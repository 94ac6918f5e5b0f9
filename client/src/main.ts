import { mount } from 'svelte';
import './app.css';
import { attackerFrom, iceServersFrom, overlayFrom, passcodeFrom, routeFrom } from './lib/config.ts';
import PeerView from './views/PeerView.svelte';
import PresentView from './views/PresentView.svelte';
import LabView from './views/LabView.svelte';

const target = document.getElementById('app')!;
const route = routeFrom(location);
const iceServers = iceServersFrom(location);
const overlay = overlayFrom(location);
const passcode = passcodeFrom(location);
const attacker = attackerFrom(location);

switch (route.view) {
  case 'present':
    if (new URLSearchParams(location.search).get('room') !== route.room) history.replaceState(null, '', `/present?room=${route.room}`);
    mount(PresentView, { target, props: { room: route.room, iceServers } });
    break;
  case 'lab':
    mount(LabView, { target, props: { room: route.room, count: route.count, iceServers, overlay, passcode, attacker } });
    break;
  case 'sim':
    // Loaded on demand: the peer, presenter and lab pages do not carry the simulator.
    void import('./views/SimView.svelte').then(({ default: SimView }) => mount(SimView, { target, props: { query: route.query } }));
    break;
  case 'peer':
    mount(PeerView, { target, props: { room: route.room, name: route.name, iceServers, overlay, passcode, attacker } });
    break;
  default:
    route satisfies never;
}
