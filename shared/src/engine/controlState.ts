/**
 * How the room runs, as the admin last said it: the mode (and its epoch), whether the server serves the
 * room, the partition, the fault rules and the churn generator. Each is the newest admin event of its
 * kind; an admin control event's epoch is its sequence number in the admin's log, so "newest" needs no
 * clock. Pure: the node looks events up in its store and turns the changes into outputs.
 */
import type { ChurnBody, FaultRule, FaultsBody, Mode, ModeBody, PartitionBody, ServiceBody, SignedEvent } from './event.ts';
import { carriage, carriageWhileStopped, INITIAL_MODE, serverOrdersStrict, type Carriage, type LinkKind } from './mode.ts';
import type { ChurnPlan, Input, Output } from './nodeIo.ts';
import { reject, type Rejection } from './rejections.ts';
import type { EventStore, StoredEvent } from './store.ts';

/** Control kinds the admin signs with an epoch (its sequence number), newest event wins. */
export const ADMIN_CONTROL_KINDS: ReadonlySet<string> = new Set(['mode', 'service', 'partition', 'faults', 'churn']);

/** The admin inputs that each write one control event. */
export type AdminControlInput = Extract<Input, { readonly type: 'switchMode' | 'setService' | 'partition' | 'setFaults' | 'setChurn' }>;

/** What `refresh` reports: exactly the node's outputs for a changed control value. */
export type ControlChange = Extract<Output, { readonly type: 'mode' | 'service' | 'partition' | 'faults' | 'churn' }>;

type Groups = readonly (readonly string[])[] | null;

/** The event an admin input writes, at `epoch` (the admin's next sequence number). */
export function adminControlEvent(input: AdminControlInput, epoch: number): { readonly kind: string; readonly body: ModeBody | ServiceBody | PartitionBody | FaultsBody | ChurnBody } {
  switch (input.type) {
    case 'switchMode':
      return { kind: 'mode', body: { mode: input.mode, epoch } satisfies ModeBody };
    case 'setService':
      return { kind: 'service', body: { running: input.running, epoch } satisfies ServiceBody };
    case 'partition':
      return { kind: 'partition', body: { groups: input.groups, epoch } satisfies PartitionBody };
    case 'setFaults':
      return { kind: 'faults', body: { rules: input.rules, epoch } satisfies FaultsBody };
    case 'setChurn':
      return { kind: 'churn', body: { on: input.on, periodMs: input.periodMs, downMs: input.downMs, exempt: input.exempt, epoch } satisfies ChurnBody };
  }
}

/** Before the signature check: an admin control event must come from the admin key, its epoch at its seq. */
export function checkAdminControl(event: SignedEvent, admin: string | undefined): Rejection | undefined {
  if (!ADMIN_CONTROL_KINDS.has(event.kind)) return undefined;
  if (admin === undefined || event.author !== admin) return reject('not_admin', `${event.kind} event from a non-admin key`);
  const body = event.body as ModeBody | ServiceBody | PartitionBody | FaultsBody | ChurnBody;
  if (body.epoch !== event.seq) return reject('bad_epoch', `epoch ${body.epoch} at admin seq ${event.seq}`);
  return undefined;
}

/** The admin's newest event of a kind: its log holds only control events, newest last. */
export function newestAdminEvent(store: EventStore, admin: string | undefined, kind: string): StoredEvent | undefined {
  if (admin === undefined) return undefined;
  for (let seq = store.highestSeq(admin); seq > 0; seq--) {
    const stored = store.canonicalAt(admin, seq);
    if (stored?.event.kind === kind) return stored;
  }
  return undefined;
}

/** Whether a partition puts `a` and `b` in different groups (members named in none are in the first). */
export function partitionedBetween(groups: Groups, a: string, b: string): boolean {
  if (!groups) return false;
  const groupOf = (peer: string) => Math.max(0, groups.findIndex((group) => group.includes(peer)));
  return groupOf(a) !== groupOf(b);
}

export class ControlState {
  #mode: Mode = INITIAL_MODE;
  #epoch = 0;
  #serviceRunning = true;
  #partition: Groups = null;
  #faults: readonly FaultRule[] = [];
  #churn: ChurnPlan | null = null;

  get mode(): Mode {
    return this.#mode;
  }

  get epoch(): number {
    return this.#epoch;
  }

  get serviceRunning(): boolean {
    return this.#serviceRunning;
  }

  get partition(): Groups {
    return this.#partition;
  }

  get faults(): readonly FaultRule[] {
    return this.#faults;
  }

  get churn(): ChurnPlan | null {
    return this.#churn;
  }

  /** What a link of this kind carries now: the mode's policy, cut down while the server's service is stopped. */
  carriage(kind: LinkKind): Carriage {
    const normal = carriage(this.#mode, kind);
    return this.#serviceRunning ? normal : carriageWhileStopped(kind, normal);
  }

  /** Whether the server orders strict operations now (a strict mode, and its service running). */
  get serverOrders(): boolean {
    return serverOrdersStrict(this.#mode) && this.#serviceRunning;
  }

  /**
   * Takes the newest admin event of each kind (`newest`), and returns what changed, in the order the
   * node emits it: mode, service, partition, faults, churn. The mode only moves to a higher epoch; the
   * others follow whatever the newest event says (its absence means the default).
   */
  refresh(newest: (kind: string) => StoredEvent | undefined): ControlChange[] {
    const changes: ControlChange[] = [];
    const mode = newest('mode');
    if (mode && mode.event.seq > this.#epoch) {
      this.#epoch = mode.event.seq;
      this.#mode = (mode.event.body as ModeBody).mode;
      changes.push({ type: 'mode', mode: this.#mode, epoch: this.#epoch });
    }
    const service = newest('service');
    const running = service ? (service.event.body as ServiceBody).running : true;
    if (running !== this.#serviceRunning) {
      this.#serviceRunning = running;
      changes.push({ type: 'service', running });
    }
    const partition = newest('partition');
    const groups = partition ? (partition.event.body as PartitionBody).groups : null;
    if (JSON.stringify(groups) !== JSON.stringify(this.#partition)) {
      this.#partition = groups;
      changes.push({ type: 'partition', groups });
    }
    const faults = newest('faults');
    const rules = faults ? (faults.event.body as FaultsBody).rules : [];
    if (JSON.stringify(rules) !== JSON.stringify(this.#faults)) {
      this.#faults = rules;
      changes.push({ type: 'faults', rules });
    }
    const churn = newest('churn');
    const body = churn?.event.body as ChurnBody | undefined;
    const plan: ChurnPlan | null = churn && body?.on ? { id: churn.id, periodMs: body.periodMs, downMs: body.downMs, exempt: body.exempt } : null;
    if (plan?.id !== this.#churn?.id) {
      this.#churn = plan;
      changes.push({ type: 'churn', plan });
    }
    return changes;
  }
}
