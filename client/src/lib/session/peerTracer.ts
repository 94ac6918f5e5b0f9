/**
 * Turns one peer's engine outputs into trace records: a `send` per message sent, a `recv` per message
 * the engine decoded (its `received` output), a `held` mark when events enter the state. Sends made while
 * handling a received message name it as their cause, so an answer can be found from its question.
 */
import { describeMessage, MessageTrace, SERVER_END, type Input, type LinkKind, type Output, type PeerlabNode, type TraceSequence } from '@peerlab/shared';

const PEER_PREFIX = 'peer:';

function remoteOf(link: string): string {
  return link.startsWith(PEER_PREFIX) ? link.slice(PEER_PREFIX.length) : SERVER_END;
}

export class PeerTracer {
  readonly trace: MessageTrace;
  readonly #peer: string;
  readonly #node: PeerlabNode;
  readonly #clock: () => number;
  /** Wire text of the input being handled (a received message), for exact send/receive matching. */
  #data: string | undefined;
  #cause: number | undefined;

  constructor(peer: string, node: PeerlabNode, sequence: TraceSequence | undefined, clock: () => number) {
    this.#peer = peer;
    this.#node = node;
    this.#clock = clock;
    this.trace = sequence ? new MessageTrace(sequence) : new MessageTrace();
  }

  /** Called before the engine handles an input. */
  begin(input: Input): void {
    this.#data = input.type === 'message' ? input.data : undefined;
    this.#cause = undefined;
  }

  /** Called for each output, in order, before it is performed. */
  note(output: Output): void {
    const at = this.#clock();
    switch (output.type) {
      case 'received': {
        const record = this.trace.record(
          { at, dir: 'recv', peer: this.#peer, remote: remoteOf(output.link), kind: output.kind, bytes: output.bytes, ...describeMessage(output.message), ...(output.eventIds ? { eventIds: output.eventIds } : {}) },
          this.#data,
        );
        this.#cause = record.seq;
        break;
      }
      case 'send': {
        const kind: LinkKind = this.#node.links().get(output.link)?.kind ?? (output.link.startsWith(PEER_PREFIX) ? 'direct' : 'server');
        this.trace.record(
          {
            at,
            dir: 'send',
            peer: this.#peer,
            remote: remoteOf(output.link),
            kind,
            bytes: output.data.length,
            ...describeMessage(output.message),
            ...(output.eventIds ? { eventIds: output.eventIds } : {}),
            ...(this.#cause === undefined ? {} : { cause: this.#cause }),
          },
          output.data,
        );
        break;
      }
      case 'accepted':
        this.trace.record({ at, dir: 'held', peer: this.#peer, remote: '', kind: 'local', t: 'held', bytes: 0, eventIds: output.events.map((stored) => stored.id) });
        break;
      default:
        break;
    }
  }
}
