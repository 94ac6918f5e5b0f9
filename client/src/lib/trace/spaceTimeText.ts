/**
 * The words of a space-time diagram: who a lifeline is, what an arrow carried, which event or exchange a
 * picker offers. Pure; names come from the page's one key-to-name map plus the diagram's two roles.
 */
import { SERVER_END, type Arrow, type TraceRecord, type VvExchange, type WireMessage } from '@peerlab/shared';

export interface EventInfo {
  readonly kind: string;
  readonly author: string;
  readonly text?: string;
}

export interface DiagramRoles {
  /** The room server's key: it authors certificates and stamps, so it appears in version vectors. */
  readonly serverKey?: string | undefined;
  /** The room admin's key: it authors the control events (mode, service, partition). */
  readonly adminKey?: string | undefined;
}

/** A key's name in the diagram: the server and the admin by their role, peers by `names`, else the key's start. */
export function diagramName(key: string, names: ReadonlyMap<string, string>, roles: DiagramRoles): string {
  if (key === SERVER_END || key === roles.serverKey) return 'server';
  if (key === roles.adminKey) return 'room admin';
  return names.get(key) ?? key.slice(0, 8);
}

/** An event in a picker: its author, its chat text (or kind) and the start of its id. */
export function eventLabel(id: string, info: EventInfo | undefined, nameOf: (key: string) => string): string {
  if (!info) return id.slice(0, 8);
  return `${nameOf(info.author)} · ${info.text === undefined ? info.kind : `“${info.text.slice(0, 40)}”`} · ${id.slice(0, 6)}`;
}

/** Events shipped by a list of `events` messages. */
export function shippedCount(list: readonly Arrow[]): number {
  return list.reduce((sum, arrow) => sum + (arrow.eventIds?.length ?? 0), 0);
}

/** An anti-entropy exchange in a picker: its two ends, how it opened and what it shipped. */
export function exchangeLabel(choice: VvExchange, nameOf: (key: string) => string): string {
  const shipped = shippedCount(choice.shippedByReceiver) + shippedCount(choice.shippedByOpener);
  return `${nameOf(choice.opening.from)} ↔ ${nameOf(choice.opening.to)} (${choice.opening.t}) · ${shipped} event${shipped === 1 ? '' : 's'} shipped`;
}

/** An arrow read aloud (its accessible name and tooltip). */
export function describeArrow(arrow: Arrow, nameOf: (key: string) => string): string {
  const what = arrow.t === 'events' ? `events (${arrow.eventIds?.length ?? 0})` : arrow.t === 'vv' && arrow.reply ? 'vv, asks for a reply' : arrow.t;
  return `${what} from ${nameOf(arrow.from)} to ${nameOf(arrow.to)}, ${arrow.bytes} bytes`;
}

/** The newest `max` distinct event ids the trace saw peers take in, newest first. */
export function recentEventIds(held: readonly TraceRecord[], max: number): string[] {
  const seen = new Set<string>();
  for (let i = held.length - 1; i >= 0 && seen.size < max; i--) {
    for (const id of held[i]!.eventIds ?? []) {
      if (seen.size >= max) break;
      seen.add(id);
    }
  }
  return [...seen];
}

/**
 * Every wire type, in the legend's order; each gets its arrowhead marker and colour. Typed against the
 * wire union, so a message type added to the protocol does not compile here until the diagram draws it.
 */
const WIRE_TYPE_ORDER = { hello: 0, vv: 1, events: 2, have: 3, graft: 4, prune: 5, ack: 6, peers: 7, route: 8, ping: 9, report: 10, rhave: 11, rwant: 12 } satisfies Record<WireMessage['t'], number>;
export const WIRE_TYPES = (Object.keys(WIRE_TYPE_ORDER) as WireMessage['t'][]).sort((a, b) => WIRE_TYPE_ORDER[a] - WIRE_TYPE_ORDER[b]);
