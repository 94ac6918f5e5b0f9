/** Prometheus metrics (prom-client), one registry per server instance so tests can run several. */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsSources {
  connections(): number;
  rooms(): number;
  /** Rooms whose authority (lease) this process holds. */
  ownedRooms(): number;
}

export class Metrics {
  readonly registry = new Registry();
  readonly eventsAccepted: Counter<'mode' | 'kind'>;
  readonly relayBytes: Counter;
  readonly relayMessages: Counter;
  readonly rejections: Counter<'reason'>;
  readonly roomResets: Counter;

  constructor(sources: MetricsSources, options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    new Gauge({ name: 'peerlab_connections', help: 'Open Socket.IO connections', registers, collect() { this.set(sources.connections()); } });
    new Gauge({ name: 'peerlab_rooms', help: 'Rooms loaded in this process', registers, collect() { this.set(sources.rooms()); } });
    new Gauge({
      name: 'peerlab_rooms_owned',
      help: 'Rooms whose authority runs in this process (with REDIS_URL: whose lease it holds)',
      registers,
      collect() {
        this.set(sources.ownedRooms());
      },
    });
    this.eventsAccepted = new Counter({
      name: 'peerlab_events_accepted_total',
      help: 'Events the server accepted, by the room mode at acceptance and event kind',
      labelNames: ['mode', 'kind'] as const,
      registers,
    });
    this.relayBytes = new Counter({ name: 'peerlab_relay_bytes_total', help: 'Bytes of engine messages relayed between peers', registers });
    this.relayMessages = new Counter({ name: 'peerlab_relay_messages_total', help: 'Engine messages relayed between peers', registers });
    this.rejections = new Counter({
      name: 'peerlab_rejections_total',
      help: 'Engine rejections and socket-level refusals, by reason',
      labelNames: ['reason'] as const,
      registers,
    });
    this.roomResets = new Counter({ name: 'peerlab_room_resets_total', help: 'Rooms emptied by their admin (a new generation)', registers });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'peerlab_process_' });
  }

  rejected(reason: string): void {
    this.rejections.inc({ reason });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
