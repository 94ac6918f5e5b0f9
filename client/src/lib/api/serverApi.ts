/**
 * Every JSON answer the page fetches from its server, decoded here and nowhere else: one zod schema per
 * endpoint (the engine's schema library; reports through the engine's own report schema), each checked
 * against the shared interface it must produce. An unexpected answer becomes `unreachable` with the first
 * thing wrong with it, so a dashboard says what happened instead of crashing or drawing nonsense.
 */
import { z } from 'zod';
import { DEFAULT_IDENTITIES_PER_MINUTE, MODES, admissionStateSchema, telemetryReportSchema, type HeldReport, type Member, type Mode, type RoomInfo, type RoomTelemetry, type TelemetryReport } from '@peerlab/shared';

/** What a fetch of one endpoint gave: its decoded answer, the server's "no such room", or why not. */
export type ApiReply<T> = { readonly state: 'ok'; readonly value: T } | { readonly state: 'absent' } | { readonly state: 'unreachable'; readonly detail: string };

type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly detail: string };

const count = z.number().int().min(0);
const modeSchema = z.enum(MODES as [Mode, ...Mode[]]);

const memberSchema = z.object({
  peer: z.string(),
  name: z.string(),
  version: z.number().int(),
  minor: z.number().int().optional(),
  observer: z.boolean().optional(),
});

/** `GET /api/rooms/:room`. Fields added after the first release default, so an older server still reads. */
const roomInfoSchema = z.object({
  room: z.string(),
  mode: modeSchema,
  epoch: count,
  generation: count.default(0),
  admin: z.string().default(''),
  server: z.string().default(''),
  members: z.array(memberSchema),
  eventCount: count,
  digest: z.string().default(''),
  lastOrder: count.default(0),
  accepted: z
    .partialRecord(modeSchema, z.record(z.string(), count))
    .default({})
    .transform((byMode): RoomInfo['accepted'] => ({ 'client-server': {}, p2p: {}, hybrid: {}, ...byMode })),
  owner: z.string().default(''),
  // An older server tells no budget: its default, nothing counted.
  admission: admissionStateSchema.default({ perMinute: DEFAULT_IDENTITIES_PER_MINUTE, admitted: 0, refused: 0 }),
});

const heldReportSchema = z.object({ report: telemetryReportSchema, receivedAt: z.number() });

/** `GET /api/rooms/:room/telemetry`. */
const roomTelemetrySchema = z.object({ room: z.string(), now: z.number(), latest: z.array(heldReportSchema), history: z.array(heldReportSchema) });

/** `GET /api/join-urls`: the server's LAN origins, for the join card's link and QR code. */
const joinUrlsSchema = z.object({ lan: z.array(z.url()) });

function decoder<S extends z.ZodType>(schema: S, what: string): (raw: unknown) => Decoded<z.output<S>> {
  return (raw) => {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return { ok: true, value: parsed.data };
    const first = parsed.error.issues[0];
    return { ok: false, detail: `unexpected ${what}: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'}` };
  };
}

const roomInfoDecoder = decoder(roomInfoSchema, 'room answer');
const telemetryDecoder = decoder(roomTelemetrySchema, 'telemetry answer');
const joinUrlsDecoder = decoder(joinUrlsSchema, 'join-urls answer');

export function decodeRoomInfo(raw: unknown): Decoded<RoomInfo> {
  const decoded = roomInfoDecoder(raw);
  if (!decoded.ok) return decoded;
  const members: readonly Member[] = decoded.value.members;
  return { ok: true, value: { ...decoded.value, members } };
}

export function decodeRoomTelemetry(raw: unknown): Decoded<RoomTelemetry> {
  const decoded = telemetryDecoder(raw);
  if (!decoded.ok) return decoded;
  // The engine's report schema checks every field of a report; its output type spells them loosely.
  const held = (list: readonly { report: unknown; receivedAt: number }[]): HeldReport[] => list.map(({ report, receivedAt }) => ({ report: report as TelemetryReport, receivedAt }));
  return { ok: true, value: { room: decoded.value.room, now: decoded.value.now, latest: held(decoded.value.latest), history: held(decoded.value.history) } };
}

export function decodeJoinUrls(raw: unknown): Decoded<readonly string[]> {
  const decoded = joinUrlsDecoder(raw);
  return decoded.ok ? { ok: true, value: decoded.value.lan } : decoded;
}

async function fetchJson<T>(url: string, decode: (raw: unknown) => Decoded<T>, signal?: AbortSignal): Promise<ApiReply<T>> {
  try {
    const response = await fetch(url, { cache: 'no-store', ...(signal ? { signal } : {}) });
    if (response.status === 404) return { state: 'absent' };
    if (!response.ok) return { state: 'unreachable', detail: `HTTP ${response.status}` };
    const decoded = decode(await response.json());
    return decoded.ok ? { state: 'ok', value: decoded.value } : { state: 'unreachable', detail: decoded.detail };
  } catch (error: unknown) {
    return { state: 'unreachable', detail: error instanceof Error ? error.message : String(error) };
  }
}

/** The server's public view of a room (the presenter's cards). */
export function fetchRoom(room: string, signal?: AbortSignal): Promise<ApiReply<RoomInfo>> {
  return fetchJson(`/api/rooms/${encodeURIComponent(room)}`, decodeRoomInfo, signal);
}

/**
 * The server's central telemetry of a room: reports received after `since` (server clock), or with
 * `history: false` only each peer's newest one.
 */
export function fetchRoomTelemetry(room: string, since: number, history: boolean): Promise<ApiReply<RoomTelemetry>> {
  // Only what the server received since the last answer: an idle room's poll carries next to nothing.
  return fetchJson(`/api/rooms/${encodeURIComponent(room)}/telemetry?since=${since}&latestSince=${since}${history ? '' : '&history=0'}`, decodeRoomTelemetry);
}

/** The server's LAN origins (empty when it found none). */
export function fetchJoinUrls(signal?: AbortSignal): Promise<ApiReply<readonly string[]>> {
  return fetchJson('/api/join-urls', decodeJoinUrls, signal);
}
