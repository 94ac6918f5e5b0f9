/**
 * The central view of telemetry (client-server and hybrid): per room, the newest report of each peer and
 * a short history of every report received, with the server's receipt time. It lives in the process whose
 * socket received the report (with REDIS_URL, each process holds the reports of its own sockets).
 */
import type { HeldReport, RoomTelemetry, TelemetryReport } from '@peerlab/shared';

/** Reports kept per room for the presenter's charts: ~3 minutes of a 3-peer room at one report a second. */
export const TELEMETRY_HISTORY = 600;
/** Peers remembered per room; the least recently heard is forgotten first. */
export const TELEMETRY_PEERS = 256;
/** Rooms remembered; the least recently reported is forgotten first. */
export const TELEMETRY_ROOMS = 1000;

interface RoomReports {
  readonly latest: Map<string, HeldReport>;
  history: HeldReport[];
}

export class TelemetryStore {
  readonly #rooms = new Map<string, RoomReports>();

  record(room: string, report: TelemetryReport, receivedAt: number): void {
    let entry = this.#rooms.get(room);
    if (entry) this.#rooms.delete(room);
    entry ??= { latest: new Map(), history: [] };
    this.#rooms.set(room, entry);
    if (this.#rooms.size > TELEMETRY_ROOMS) this.#rooms.delete(this.#rooms.keys().next().value!);
    const held: HeldReport = { report, receivedAt };
    entry.latest.delete(report.peer);
    entry.latest.set(report.peer, held);
    if (entry.latest.size > TELEMETRY_PEERS) entry.latest.delete(entry.latest.keys().next().value!);
    entry.history.push(held);
    if (entry.history.length > TELEMETRY_HISTORY * 1.5) entry.history = entry.history.slice(-TELEMETRY_HISTORY);
  }

  /** What the presenter polls: the newest per peer, and the history after `since` (server clock). */
  view(room: string, since: number, now: number): RoomTelemetry {
    const entry = this.#rooms.get(room);
    const history = entry ? entry.history.slice(-TELEMETRY_HISTORY).filter((held) => held.receivedAt > since) : [];
    return { room, now, latest: entry ? [...entry.latest.values()] : [], history };
  }
}
