/** The outputs of one `PeerlabNode.handle()` call, and how its messages become `send` outputs. */
import { encodeEvents, encodeMessage, type WireMessage } from './messages.ts';
import type { LinkKind } from './mode.ts';
import type { Output } from './nodeIo.ts';
import type { StoredEvent } from './store.ts';

/**
 * Collects one handle() call's outputs. Events bound for the same link are batched into as few
 * `events` messages as the byte limit allows, and messages keep the order they were queued in.
 */
export class Outbox {
  readonly #maxBatchBytes: number;
  readonly #refused: (link: string) => boolean;
  readonly #items: (Output | { type: 'queued'; link: string; message?: WireMessage; events?: StoredEvent[] })[] = [];
  /** Made on the first event: most handle() calls send none, and one Outbox is made per call. */
  #openBatch: Map<string, { events: StoredEvent[]; bytes: number }> | undefined;

  /** `refused`: links nothing may be sent on (a remote of another major). */
  constructor(maxBatchBytes: number, refused: (link: string) => boolean) {
    this.#maxBatchBytes = maxBatchBytes;
    this.#refused = refused;
  }

  push(output: Output): void {
    this.#items.push(output);
  }

  /** The `received` output of a traced message; returns the list its `events` ids are collected into. */
  received(link: string, kind: LinkKind, message: WireMessage, bytes: number): string[] | undefined {
    if (message.t !== 'events') {
      this.#items.push({ type: 'received', link, kind, message, bytes });
      return undefined;
    }
    const eventIds: string[] = [];
    this.#items.push({ type: 'received', link, kind, message, bytes, eventIds });
    return eventIds;
  }

  message(link: string, message: WireMessage): void {
    if (this.#refused(link)) return;
    this.#openBatch?.delete(link);
    this.#items.push({ type: 'queued', link, message });
  }

  event(link: string, stored: StoredEvent): void {
    if (this.#refused(link)) return;
    const open = this.#openBatch?.get(link);
    if (open && open.bytes + stored.size + 1 <= this.#maxBatchBytes && open.events.length > 0) {
      if (!open.events.some((e) => e.id === stored.id)) {
        open.events.push(stored);
        open.bytes += stored.size + 1;
      }
      return;
    }
    const batch = { events: [stored], bytes: stored.size + 32 };
    (this.#openBatch ??= new Map()).set(link, batch);
    this.#items.push({ type: 'queued', link, events: batch.events });
  }

  events(link: string, stored: readonly StoredEvent[]): void {
    for (const one of stored) this.event(link, one);
  }

  /** The outputs in order, each message encoded; `onSend` hears of each message sent, with the events it carries. */
  flush(onSend: (link: string, data: string, events?: readonly StoredEvent[]) => void): Output[] {
    const outputs: Output[] = [];
    const batches = new Map<string, { message: WireMessage; data: string }>();
    for (const item of this.#items) {
      if (item.type !== 'queued') {
        outputs.push(item);
        continue;
      }
      let message: WireMessage;
      let data: string;
      if (item.events) {
        const key = item.events.map((stored) => stored.id).join();
        let batch = batches.get(key);
        if (!batch) {
          const events = item.events.map((stored) => stored.event);
          batch = { message: { t: 'events', events }, data: encodeEvents(events) };
          batches.set(key, batch);
        }
        ({ message, data } = batch);
      } else {
        message = item.message!;
        data = encodeMessage(message);
      }
      onSend(item.link, data, item.events);
      outputs.push(item.events ? { type: 'send', link: item.link, data, message, eventIds: item.events.map((stored) => stored.id) } : { type: 'send', link: item.link, data, message });
    }
    return outputs;
  }
}
