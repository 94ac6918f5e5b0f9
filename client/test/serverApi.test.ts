import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TelemetryReport } from '@peerlab/shared';
import { decodeJoinUrls, decodeRoomInfo, decodeRoomTelemetry, fetchRoom } from '../src/lib/api/serverApi.ts';

const A = 'a'.repeat(64);
const zero = { sentMessages: 0, sentBytes: 0, receivedMessages: 0, receivedBytes: 0 };
const report: TelemetryReport = { peer: A, name: 'Ada', seq: 3, at: 1, observer: false, periodMs: 1000, mode: 'p2p', digest: 'd1', events: 2, pending: 0, traffic: { server: zero, direct: zero, relay: zero }, rejections: {}, links: [], vv: { [A]: 2 } };

const room = {
  room: 'demo',
  mode: 'hybrid',
  epoch: 2,
  generation: 1,
  admin: 'ad',
  server: 'sv',
  members: [{ peer: A, name: 'Ada', version: 1, minor: 1, observer: false }],
  eventCount: 7,
  digest: 'abc',
  lastOrder: 5,
  accepted: { hybrid: { chat: 3 } },
  owner: 'p1',
  admission: { perMinute: 12, admitted: 3, refused: 1 },
};

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the server API’s answers, decoded in one place', () => {
  it('reads a room as the server describes it, filling the modes it accepted nothing in', () => {
    const decoded = decodeRoomInfo(room);
    expect(decoded).toEqual({ ok: true, value: { ...room, accepted: { 'client-server': {}, p2p: {}, hybrid: { chat: 3 } } } });
  });

  it('reads an older server’s room without the fields added since', () => {
    const { generation: _g, owner: _o, admin: _a, server: _s, digest: _d, lastOrder: _l, accepted: _c, admission: _m, ...old } = room;
    const decoded = decodeRoomInfo(old);
    expect(decoded.ok && decoded.value).toMatchObject({ generation: 0, owner: '', admin: '', lastOrder: 0, accepted: { 'client-server': {}, p2p: {}, hybrid: {} }, admission: { perMinute: 60, refused: 0 } });
  });

  it('refuses an unexpected room answer, saying where it is wrong', () => {
    expect(decodeRoomInfo({ ...room, mode: 'mesh' })).toMatchObject({ ok: false, detail: expect.stringContaining('mode') });
    expect(decodeRoomInfo({ ...room, members: [{ peer: A }] })).toMatchObject({ ok: false, detail: expect.stringContaining('members.0.name') });
    expect(decodeRoomInfo('<html>')).toMatchObject({ ok: false, detail: expect.stringContaining('room answer') });
  });

  it('checks every report of the central telemetry with the engine’s report schema', () => {
    const telemetry = { room: 'demo', now: 10, latest: [{ report, receivedAt: 9 }], history: [] };
    expect(decodeRoomTelemetry(telemetry)).toEqual({ ok: true, value: telemetry });
    const forged = { ...telemetry, latest: [{ report: { ...report, peer: 'not-a-key' }, receivedAt: 9 }] };
    expect(decodeRoomTelemetry(forged)).toMatchObject({ ok: false, detail: expect.stringContaining('latest.0.report.peer') });
  });

  it('takes only URLs for the join link', () => {
    expect(decodeJoinUrls({ lan: ['http://192.168.1.4:8080/'] })).toEqual({ ok: true, value: ['http://192.168.1.4:8080/'] });
    expect(decodeJoinUrls({ lan: ['javascript alert'] }).ok).toBe(false);
    expect(decodeJoinUrls({}).ok).toBe(false);
  });

  it('tells a missing room, a failing server and an unreachable one apart', async () => {
    const answer = (status: number, body: unknown) => vi.fn(async () => new Response(JSON.stringify(body), { status }));
    vi.stubGlobal('fetch', answer(404, { error: 'unknown_room' }));
    expect(await fetchRoom('demo')).toEqual({ state: 'absent' });
    vi.stubGlobal('fetch', answer(503, {}));
    expect(await fetchRoom('demo')).toEqual({ state: 'unreachable', detail: 'HTTP 503' });
    vi.stubGlobal('fetch', answer(200, { ...room, eventCount: -1 }));
    expect(await fetchRoom('demo')).toMatchObject({ state: 'unreachable', detail: expect.stringContaining('eventCount') });
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    expect(await fetchRoom('demo')).toEqual({ state: 'unreachable', detail: 'Failed to fetch' });
    const ok = answer(200, room);
    vi.stubGlobal('fetch', ok);
    expect(await fetchRoom('a room')).toMatchObject({ state: 'ok', value: { room: 'demo' } });
    expect(ok).toHaveBeenCalledWith('/api/rooms/a%20room', expect.objectContaining({ cache: 'no-store' }));
  });
});
