/** Prometheus metrics (prom-client), one registry per server instance so tests can run several. */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { SERVER_REFUSAL_REASONS, type ServerRefusalReason } from '@peerlab/shared';
import type { EngineMessageLabel, SocketEvent, TrafficCounters } from './socketTraffic.ts';

export interface MetricsSources {
  connections(): number;
  rooms(): number;
  /** Rooms whose authority (lease) this process holds. */
  ownedRooms(): number;
}

export class Metrics implements TrafficCounters {
  readonly registry = new Registry();
  readonly eventsAccepted: Counter<'mode' | 'kind'>;
  readonly relayBytes: Counter;
  readonly relayMessages: Counter;
  readonly rejections: Counter<'reason'>;
  readonly roomResets: Counter;
  readonly sentBytes: Counter<'event' | 'message'>;
  readonly sentMessages: Counter<'event' | 'message'>;
  readonly receivedBytes: Counter<'event' | 'message'>;
  readonly receivedMessages: Counter<'event' | 'message'>;

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
      help: 'Engine rejections and socket-level refusals, by reason (SERVER_REFUSAL_REASONS: every reason listed, 0 until it happens)',
      labelNames: ['reason'] as const,
      registers,
    });
    for (const reason of SERVER_REFUSAL_REASONS) this.rejections.inc({ reason }, 0);
    this.roomResets = new Counter({ name: 'peerlab_room_resets_total', help: 'Rooms emptied by their admin (a new generation)', registers });
    const traffic = ['event', 'message'] as const;
    this.sentBytes = new Counter({ name: 'peerlab_sent_bytes_total', help: 'Payload bytes this process emitted to its sockets (before framing), by Socket.IO event and engine message', labelNames: traffic, registers });
    this.sentMessages = new Counter({ name: 'peerlab_sent_messages_total', help: 'Socket.IO packets this process emitted to its sockets, by event and engine message', labelNames: traffic, registers });
    this.receivedBytes = new Counter({ name: 'peerlab_received_bytes_total', help: 'Payload bytes this process received from its sockets, by Socket.IO event and engine message', labelNames: traffic, registers });
    this.receivedMessages = new Counter({ name: 'peerlab_received_messages_total', help: 'Socket.IO packets this process received from its sockets, by event and engine message', labelNames: traffic, registers });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'peerlab_process_' });
  }

  rejected(reason: ServerRefusalReason): void {
    this.rejections.inc({ reason });
  }

  sent(event: SocketEvent, message: EngineMessageLabel, bytes: number): void {
    this.sentMessages.inc({ event, message });
    this.sentBytes.inc({ event, message }, bytes);
  }

  received(event: SocketEvent, message: EngineMessageLabel, bytes: number): void {
    this.receivedMessages.inc({ event, message });
    this.receivedBytes.inc({ event, message }, bytes);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
