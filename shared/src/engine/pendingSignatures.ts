/**
 * Own writes and reports waiting for their signatures, where the node's signer is asynchronous (WebCrypto):
 * the node emits a `sign` output and is fed a `signed` input later. Pure bookkeeping; the node admits,
 * sends and refuses.
 *
 * Rules it keeps:
 * - a write's sequence number and Lamport time are fixed when it is written;
 * - writes enter the state in the order they were written, whatever order their signatures come back in
 *   (a signed write waits for the ones before it);
 * - a failed signature loses its own write only: the same key's writes queued behind it move down one
 *   sequence number (an admin event's epoch with it) and are signed again, so the author's log has no gap
 *   (a gap would hold every later event of that author out of the version vectors for good); one whose
 *   own signing had failed too, while it waited, gets that second chance with its new number;
 * - a report is sent as soon as its signature is back (reports need no order among themselves).
 */
import type { UnsignedEvent, SignedEvent } from './event.ts';
import type { TelemetryReport } from './telemetry.ts';
import type { SignRequest, SignResult } from '../ports/ports.ts';

/** Kind and body of a write at a given sequence number (an admin event's epoch is its sequence number). */
export type WriteContent = (seq: number) => { readonly kind: string; readonly body: unknown };

interface PendingWrite {
  request: SignRequest;
  unsigned: UnsignedEvent;
  readonly content: WriteContent;
  readonly encode: (unsigned: UnsignedEvent) => Uint8Array;
  /** The signature once back; `false` once its signing failed. */
  sig: string | false | undefined;
}

interface PendingReportSignature {
  readonly report: TelemetryReport;
  readonly targets: readonly string[];
}

/** What a batch of `signed` results released. */
export interface Settled {
  /** Writes now signed, in the order they were written. */
  readonly events: readonly SignedEvent[];
  /** Writes whose signing failed: each is refused (locally), the rest of its author's queue renumbered. */
  readonly failed: readonly UnsignedEvent[];
  /** Renumbered writes to sign again. */
  readonly resign: readonly SignRequest[];
  readonly reports: readonly { readonly report: TelemetryReport; readonly targets: readonly string[]; readonly sig: string }[];
  readonly failedReports: readonly TelemetryReport[];
}

const REQUEST_PREFIX = 'sign:';
/** What the wire takes as a signature: anything else from the driver counts as a failure to sign. */
const SIGNATURE_HEX = /^[0-9a-f]{128}$/;

export class PendingSignatures {
  /** In write order. */
  #writes: PendingWrite[] = [];
  readonly #reports = new Map<string, PendingReportSignature>();
  #nextRequest = 0;

  /** Writes awaiting their signature by `author`. */
  count(author: string): number {
    let n = 0;
    for (const write of this.#writes) if (write.unsigned.author === author) n++;
    return n;
  }

  /** The highest sequence number `author` has awaiting a signature (0: none). */
  highestSeq(author: string): number {
    let seq = 0;
    for (const write of this.#writes) if (write.unsigned.author === author && write.unsigned.seq > seq) seq = write.unsigned.seq;
    return seq;
  }

  /** The highest Lamport time given to a write still awaiting its signature (0: none). */
  get maxLamport(): number {
    return this.#writes.reduce((max, write) => Math.max(max, write.unsigned.lamport), 0);
  }

  /** Writes awaiting their signature, in write order (the local ledger check counts their transfers). */
  unsigned(): UnsignedEvent[] {
    return this.#writes.map((write) => write.unsigned);
  }

  write(unsigned: UnsignedEvent, content: WriteContent, encode: (unsigned: UnsignedEvent) => Uint8Array): SignRequest {
    const request = this.#request(unsigned.author, encode(unsigned));
    this.#writes.push({ request, unsigned, content, encode, sig: undefined });
    return request;
  }

  report(publicKey: string, message: Uint8Array, report: TelemetryReport, targets: readonly string[]): SignRequest {
    const request = this.#request(publicKey, message);
    this.#reports.set(request.id, { report, targets });
    return request;
  }

  /** Takes a batch of results. Unknown ids (a write renumbered since it was asked for) are ignored. */
  settle(results: readonly SignResult[]): Settled {
    const reports: { report: TelemetryReport; targets: readonly string[]; sig: string }[] = [];
    const failedReports: TelemetryReport[] = [];
    for (const result of results) {
      const sig = result.ok && SIGNATURE_HEX.test(result.sig) ? result.sig : false;
      const report = this.#reports.get(result.id);
      if (report) {
        this.#reports.delete(result.id);
        if (sig === false) failedReports.push(report.report);
        else reports.push({ ...report, sig });
        continue;
      }
      const write = this.#writes.find((pending) => pending.request.id === result.id);
      if (write) write.sig = sig;
    }
    const events: SignedEvent[] = [];
    const failed: UnsignedEvent[] = [];
    const resign = new Map<string, SignRequest>();
    for (let head = this.#writes[0]; head !== undefined && head.sig !== undefined; head = this.#writes[0]) {
      this.#writes.shift();
      if (head.sig !== false) {
        events.push({ ...head.unsigned, sig: head.sig });
        continue;
      }
      failed.push(head.unsigned);
      for (const later of this.#writes) {
        if (later.unsigned.author !== head.unsigned.author) continue;
        resign.delete(later.request.id);
        this.#renumber(later, later.unsigned.seq - 1);
        resign.set(later.request.id, later.request);
      }
    }
    return { events, failed, resign: [...resign.values()], reports, failedReports };
  }

  #renumber(write: PendingWrite, seq: number): void {
    const { kind, body } = write.content(seq);
    write.unsigned = { ...write.unsigned, seq, kind, body };
    write.request = this.#request(write.unsigned.author, write.encode(write.unsigned));
    write.sig = undefined;
  }

  #request(publicKey: string, message: Uint8Array): SignRequest {
    return { id: `${REQUEST_PREFIX}${++this.#nextRequest}`, publicKey, message };
  }
}
