import type { ChatBody } from '../engine/event.ts';
import type { StoredEvent } from '../engine/store.ts';

export interface ChatMessage {
  readonly id: string;
  readonly author: string;
  readonly seq: number;
  readonly lamport: number;
  readonly name: string;
  readonly text: string;
}

/** Causal-ish total order every peer agrees on: Lamport time, then author key, then sequence. */
export function chatView(events: Iterable<StoredEvent>): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const { id, event } of events) {
    if (event.kind !== 'chat') continue;
    const body = event.body as ChatBody;
    messages.push({ id, author: event.author, seq: event.seq, lamport: event.lamport, name: body.name, text: body.text });
  }
  return messages.sort((a, b) => a.lamport - b.lamport || (a.author < b.author ? -1 : a.author > b.author ? 1 : a.seq - b.seq));
}
