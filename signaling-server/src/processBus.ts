/**
 * Messages between server processes: one Redis pub/sub channel per process, plus request/response on
 * top (a request carries the asker's id and a request id; the answer comes back on the asker's channel).
 * Redis preserves the order of the messages one connection publishes, so everything a process forwards
 * for one socket reaches the owner in the order the socket sent it.
 *
 * Redis is inside the deployment's trust boundary (only server processes reach it), but payloads are
 * still checked for shape before use: a malformed one is logged and dropped.
 */
import type { Logger } from './logger.ts';
import type { Redis } from './roomLeases.ts';

/** How long a process waits for another's answer before treating it as gone. */
export const REQUEST_TIMEOUT_MS = 1000;

export interface BusEnvelope {
  readonly op: string;
  /** Set on requests: where and under which id to answer. */
  readonly ask?: { readonly from: string; readonly id: number };
  readonly [field: string]: unknown;
}

interface Answer {
  readonly op: 'answer';
  readonly id: number;
  readonly value: unknown;
}

function channelOf(process: string): string {
  return `peerlab:process:${process}`;
}

export class ProcessBus {
  readonly #pending = new Map<number, (value: unknown) => void>();
  #nextId = 1;

  private constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    readonly process: string,
    private readonly logger: Logger,
  ) {}

  /** Subscribes to this process's channel; `handle` gets every message that is not an answer. */
  static async open(publisher: Redis, process: string, logger: Logger, handle: (message: BusEnvelope) => void): Promise<ProcessBus> {
    const subscriber = publisher.duplicate() as Redis;
    subscriber.on('error', (error: unknown) => logger.warn({ err: error }, 'redis subscriber error'));
    await subscriber.connect();
    const bus = new ProcessBus(publisher, subscriber, process, logger);
    await subscriber.subscribe(channelOf(process), (raw) => bus.#receive(raw, handle));
    return bus;
  }

  /** Sends to one process; resolves to the number of processes listening (0: it is gone). */
  async send(process: string, message: BusEnvelope): Promise<number> {
    try {
      return await this.publisher.publish(channelOf(process), JSON.stringify(message));
    } catch (error) {
      this.logger.warn({ err: error, to: process, op: message.op }, 'could not publish to another process');
      return 0;
    }
  }

  /** Sends a request; resolves to the answer, or `undefined` when nobody answered in time. */
  async request(process: string, message: BusEnvelope, timeoutMs = REQUEST_TIMEOUT_MS): Promise<{ value: unknown } | undefined> {
    const id = this.#nextId++;
    const answered = new Promise<{ value: unknown } | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.#pending.set(id, (value) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve({ value });
      });
    });
    const listeners = await this.send(process, { ...message, ask: { from: this.process, id } });
    if (listeners === 0) this.#pending.get(id)?.(undefined);
    const answer = await answered;
    return listeners === 0 ? undefined : answer;
  }

  /** Answers a request received by `handle`. */
  answer(request: BusEnvelope, value: unknown): void {
    if (!request.ask) return;
    const answer: Answer = { op: 'answer', id: request.ask.id, value };
    void this.send(request.ask.from, answer as unknown as BusEnvelope);
  }

  async close(): Promise<void> {
    for (const resolve of this.#pending.values()) resolve(undefined);
    this.#pending.clear();
    try {
      await this.subscriber.quit();
    } catch {
      // Already closed: nothing left to release.
    }
  }

  #receive(raw: string, handle: (message: BusEnvelope) => void): void {
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      this.logger.warn({ bytes: raw.length }, 'unparseable message from another process; dropped');
      return;
    }
    if (typeof message !== 'object' || message === null || typeof (message as { op?: unknown }).op !== 'string') {
      this.logger.warn('message without op from another process; dropped');
      return;
    }
    const envelope = message as BusEnvelope;
    if (envelope.op === 'answer') {
      const id = (envelope as unknown as Answer).id;
      this.#pending.get(id)?.((envelope as unknown as Answer).value);
      return;
    }
    try {
      handle(envelope);
    } catch (error) {
      this.logger.error({ err: error, op: envelope.op }, 'handling a message from another process failed');
    }
  }
}
