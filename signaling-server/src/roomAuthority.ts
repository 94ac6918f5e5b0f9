/**
 * One room's central authority: a server-role PeerlabNode and the driver that feeds it.
 *
 * Inputs are queued and drained together in a `setImmediate` (everything that arrived in the same
 * tick forms one batch). Per batch the driver:
 *   1. persists ALL `accepted` events with their orders in ONE SQLite transaction (group commit);
 *   2. only then performs the `send` outputs, in order — so an ack never precedes durability — with one
 *      message sent to several members encoded and written once (a broadcast), and the batch's acks of
 *      one member in one message;
 *   3. hands `verify` requests to the native verifier as one batch and feeds the answers back later;
 *   4. counts `rejected` outputs by reason and logs `mode` changes.
 * Nothing in here may throw into the event loop: one room's failure never crashes the process.
 */
import {
  MODES,
  PeerlabNode,
  encodeMessage,
  engineRoomId,
  seededRng,
  tweetnaclVerifier,
  understands,
  CURRENT_PROTOCOL,
  type Input,
  type KeyPair,
  type Mode,
  type Output,
  type Ack,
  type Rejection,
  type Verifier,
  type VerifyRequest,
} from '@peerlab/shared';
import { nodeCryptoSigner } from '@peerlab/shared/node';
import type { NewEvent, PeerlabDatabase } from './database.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

export interface AuthorityPorts {
  readonly db: PeerlabDatabase;
  readonly verifier: Verifier;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Delivers one engine message to the members behind `links` (their peer keys), encoded once; skips any gone. */
  send(links: readonly string[], data: string): void;
  /** Tells the member behind `link` that the engine rejected something it sent. */
  refuse(link: string, rejection: Rejection): void;
  /** This process's fencing token: the room is claimed with it and every commit checks it. */
  readonly owner: string;
  /** Another process claimed the room: this authority may no longer commit (nor acknowledge). */
  fenced(): void;
}

export type AcceptedCounts = Record<Mode, Record<string, number>>;

/** Most acks in one message: what the engine's decoder takes (messages.ts). */
const MAX_ACKS_PER_MESSAGE = 10_000;

function emptyAccepted(): AcceptedCounts {
  const counts = {} as AcceptedCounts;
  for (const mode of MODES) counts[mode] = {};
  return counts;
}

export class RoomAuthority {
  readonly node: PeerlabNode;
  readonly accepted: AcceptedCounts = emptyAccepted();
  #lastOrder = 0;
  #queue: Input[] = [];
  #scheduled = false;
  #verifying = 0;
  #verified: Promise<void> = Promise.resolve();
  #closed = false;
  /** The node's mode as of the last output processed: the label of events accepted next. */
  #mode: Mode;

  constructor(
    readonly room: string,
    readonly admin: string,
    serverKeys: KeyPair,
    private readonly ports: AuthorityPorts,
    /** How many times the admin reset the room: events are signed for this generation's room id. */
    readonly generation = 0,
  ) {
    this.node = new PeerlabNode({ room: engineRoomId(room, generation), role: 'server', signer: nodeCryptoSigner(serverKeys), rng: seededRng(0x5eed), admin });
    // Claim first, then load: whatever a previous owner committed before the claim is in `rows`.
    ports.db.claimRoom(room, ports.owner, Date.now());
    const rows = ports.db.loadEvents(room);
    for (const row of rows) {
      this.#count(row.mode, row.event.kind, 1);
      this.#lastOrder = Math.max(this.#lastOrder, row.order);
    }
    // Restore before any client links up: the node must know the whole log and the mode first.
    const outputs = this.node.handle({ type: 'restore', events: rows.map((row) => ({ event: row.event, ackPosition: row.order })) }, Date.now());
    for (const output of outputs) if (output.type === 'rejected') this.#onRejected(output.rejection, output.link);
    this.#mode = this.node.mode;
    ports.logger.debug({ room, events: rows.length, mode: this.node.mode }, 'room loaded');
  }

  get lastOrder(): number {
    return this.#lastOrder;
  }

  /** Queues an input; the batch is handled on the next turn of the event loop. */
  input(input: Input): void {
    if (this.#closed) return;
    this.#queue.push(input);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
  }

  /** Resolves once queued inputs and in-flight verifications are handled (or after `timeoutMs`). */
  async flush(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.#scheduled || this.#verifying > 0 || this.#queue.length > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, this.#verifying > 0 ? 5 : 0));
    }
  }

  /** Stops taking inputs; call after `flush`. */
  close(): void {
    this.#closed = true;
    this.#queue = [];
  }

  #drain(): void {
    this.#scheduled = false;
    const inputs = this.#queue;
    this.#queue = [];
    const outputs: Output[] = [];
    const now = Date.now();
    for (const input of inputs) {
      try {
        outputs.push(...this.node.handle(input, now));
      } catch (error) {
        this.ports.metrics.rejected('internal');
        this.ports.logger.error({ err: error, room: this.room, input: input.type }, 'engine threw on an input');
      }
    }
    try {
      this.#perform(outputs);
    } catch (error) {
      this.ports.logger.error({ err: error, room: this.room }, 'room driver failed on a batch');
    }
  }

  #perform(outputs: readonly Output[]): void {
    // 1. Durability first: every accepted event of the batch, one transaction.
    const rows: NewEvent[] = [];
    let mode = this.#mode;
    for (const output of outputs) {
      if (output.type === 'mode') mode = output.mode;
      if (output.type !== 'accepted') continue;
      output.events.forEach((stored, i) => {
        const order = output.ackPositions?.[i];
        if (order === undefined) return;
        rows.push({ order, id: stored.id, event: stored.event, mode });
      });
    }
    let durable = true;
    if (rows.length > 0) {
      try {
        const result = this.ports.db.insertEvents(this.room, rows, this.ports.owner);
        if (!result.ok) {
          // Another process owns the room now: this node's state is no longer the room's, so nothing
          // of this batch (acks, broadcasts) goes out, and the room is handed back to its registry.
          this.ports.metrics.rejected('persist_failed');
          this.ports.logger.warn({ room: this.room, owner: result.owner, events: rows.length }, 'room claimed by another process; dropping it');
          this.close();
          this.ports.fenced();
          return;
        }
        for (const row of rows) {
          this.#count(row.mode, row.event.kind, 1);
          this.ports.metrics.eventsAccepted.inc({ mode: row.mode, kind: countedKind(row.event.kind) });
          this.#lastOrder = Math.max(this.#lastOrder, row.order);
        }
      } catch (error) {
        durable = false;
        this.ports.metrics.rejected('persist_failed');
        this.ports.logger.error({ err: error, room: this.room, events: rows.length }, 'could not persist events; withholding acks');
      }
    }

    // 2. Then everything else, in the order the node produced it. The node sends a new event to every
    // member as consecutive equal messages: those go out as one broadcast.
    const requests: VerifyRequest[] = [];
    const acks = new Map<string, Ack[]>();
    let broadcast: { data: string; links: string[] } | undefined;
    const sendBroadcast = (): void => {
      if (broadcast) this.ports.send(broadcast.links, broadcast.data);
      broadcast = undefined;
    };
    for (const output of outputs) {
      switch (output.type) {
        case 'send':
          if (output.message.t === 'ack') {
            // Never acknowledge what is not on disk; the rest, one message per member after the batch.
            if (durable) acks.set(output.link, [...(acks.get(output.link) ?? []), ...output.message.acks]);
            break;
          }
          if (broadcast && broadcast.data === output.data && !broadcast.links.includes(output.link)) broadcast.links.push(output.link);
          else {
            sendBroadcast();
            broadcast = { data: output.data, links: [output.link] };
          }
          break;
        case 'verify':
          requests.push(...output.requests);
          break;
        case 'rejected':
          sendBroadcast(); // a refusal follows what was sent before it
          this.#onRejected(output.rejection, output.link);
          break;
        case 'mode':
          this.#mode = output.mode;
          this.ports.logger.info({ room: this.room, mode: output.mode, epoch: output.epoch }, 'room mode changed');
          break;
        case 'accepted':
          break;
      }
    }
    sendBroadcast();
    for (const [link, linkAcks] of acks) {
      for (let i = 0; i < linkAcks.length; i += MAX_ACKS_PER_MESSAGE) this.ports.send([link], encodeMessage({ t: 'ack', acks: linkAcks.slice(i, i + MAX_ACKS_PER_MESSAGE) }));
    }
    if (requests.length > 0) this.#verify(requests);
  }

  #verify(requests: readonly VerifyRequest[]): void {
    this.#verifying++;
    const run = async (): Promise<boolean[]> => {
      try {
        return await this.ports.verifier.verifyBatch(requests);
      } catch (error) {
        this.ports.logger.warn({ err: error, room: this.room }, 'native verifier failed; falling back to tweetnacl');
        return tweetnaclVerifier.verifyBatch(requests);
      }
    };
    // Batches verify in parallel but their answers are fed in request order, so the authority orders
    // each client's events in the order they arrived.
    const results = run();
    this.#verified = this.#verified
      .then(async () => {
        const answers = await results;
        this.input({ type: 'verified', results: requests.map((request, i) => ({ id: request.id, ok: answers[i] === true })) });
      })
      .catch((error: unknown) => this.ports.logger.error({ err: error, room: this.room }, 'verification failed'))
      .finally(() => this.#verifying--);
  }

  #onRejected(rejection: Rejection, link: string | undefined): void {
    this.ports.metrics.rejected(rejection.reason);
    this.ports.logger.debug({ room: this.room, link, reason: rejection.reason, detail: rejection.detail }, 'engine rejected input');
    if (link !== undefined && rejection.fault === 'remote') this.ports.refuse(link, rejection);
  }

  #count(mode: Mode, kind: string, n: number): void {
    const byKind = this.accepted[mode] ?? (this.accepted[mode] = {});
    const label = countedKind(kind);
    byKind[label] = (byKind[label] ?? 0) + n;
  }
}

/**
 * Kinds the server does not know (a newer version's, or made up) are stored and forwarded like any other,
 * but counted under one label: a client choosing kinds must not grow the metrics without bound.
 */
function countedKind(kind: string): string {
  return understands(CURRENT_PROTOCOL, kind) ? kind : 'other';
}
