import { describe, expect, it } from 'vitest';
import { FreezeGate, parseVersion, TraceSequence } from '@peerlab/shared';
import { labSessionOptions, peerSessionOptions } from '../src/lib/session/sessionOptions.ts';

const room = { room: 'demo', iceServers: [], passcode: undefined };

describe('the options a view starts its sessions with', () => {
  it('gives a peer tab its identity keys and nothing it was not asked for', () => {
    expect(peerSessionOptions({ ...room, name: 'Ada', overlay: { ok: true }, protocol: { ok: true } })).toEqual({
      room: 'demo',
      name: 'Ada',
      iceServers: [],
      storage: { identity: 'peerlab.identity', lastSeq: 'peerlab.lastSeq.demo' },
    });
  });

  it('takes the URL’s overlay, protocol and passcode', () => {
    const options = peerSessionOptions({ ...room, passcode: 'open sesame', name: 'Ada', overlay: { ok: true, degree: { target: 2, low: 2, high: 3 } }, protocol: { ok: true, protocol: parseVersion('1.0')! } });
    expect(options).toMatchObject({ overlay: { target: 2, low: 2, high: 3 }, protocol: parseVersion('1.0'), passcode: 'open sesame' });
    expect(options.notices).toBeUndefined();
  });

  it('turns every setting it could not use into a notice, none lost', () => {
    const options = peerSessionOptions({ ...room, name: 'Ada', overlay: { ok: false, notice: 'bad overlay' }, protocol: { ok: false, notice: 'bad protocol' } });
    expect(options.notices).toEqual(['bad overlay', 'bad protocol']);
    expect(options.overlay).toBeUndefined();
    expect(options.protocol).toBeUndefined();
  });

  it('names lab peers from 1 and gives each its own identity keys, the tab’s gate and trace order', () => {
    const shared = { gate: new FreezeGate(() => 0), traceSequence: new TraceSequence() };
    const third = labSessionOptions({ ...room, overlay: { ok: true } }, 2, shared);
    expect(third).toMatchObject({ name: 'Lab-3', storage: { identity: 'peerlab.lab.2.identity', lastSeq: 'peerlab.lab.2.lastSeq.demo' } });
    expect(third.gate).toBe(shared.gate);
    expect(third.traceSequence).toBe(shared.traceSequence);
  });
});
