/**
 * The chat: messages in the merge order (Lamport time, then author key, then sequence), the same on
 * every peer. `chatView` states it from scratch; `ChatWindow` reads the newest messages off the store's
 * chat order (EventStore.inOrder), rebuilding only when a chat event arrived, so its cost is the window's
 * size, not the room's history.
 */
import type { ChatBody } from '../engine/event.ts';
import { compareMergeOrder } from '../engine/mergeOrder.ts';
import type { EventStore, StoredEvent } from '../engine/store.ts';

export interface ChatMessage {
  readonly id: string;
  readonly author: string;
  readonly seq: number;
  readonly lamport: number;
  readonly name: string;
  readonly text: string;
}

/** Messages a page shows at most (the newest): bounds the DOM; a line says how many earlier ones exist. */
export const CHAT_WINDOW = 200;

export function chatMessage({ id, event }: StoredEvent): ChatMessage {
  const body = event.body as ChatBody;
  return { id, author: event.author, seq: event.seq, lamport: event.lamport, name: body.name, text: body.text };
}

/** Every chat message of an event set, in the merge order. */
export function chatView(events: Iterable<StoredEvent>): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const stored of events) if (stored.event.kind === 'chat') messages.push(chatMessage(stored));
  return messages.sort(compareMergeOrder);
}

/** The newest `size` chat messages of a store and how many it holds, refreshed from its arrivals. */
export class ChatWindow {
  readonly #store: EventStore;
  readonly #size: number;
  #cursor = 0;
  /** One message object per event, so an unchanged message keeps its identity across refreshes. */
  #messages = new WeakMap<StoredEvent, ChatMessage>();
  #shown: readonly ChatMessage[] = [];
  #total = 0;

  constructor(store: EventStore, size = CHAT_WINDOW) {
    this.#store = store;
    this.#size = size;
  }

  /** Messages held in all. */
  get total(): number {
    return this.#store.inOrder('chat').length;
  }

  /** The newest messages, oldest first. */
  get messages(): readonly ChatMessage[] {
    return this.#shown;
  }

  /** Takes in what arrived since the last update; true when the window changed. */
  update(): boolean {
    const arrived = this.#store.arrivalsSince(this.#cursor);
    this.#cursor += arrived.length;
    const ordered = this.#store.inOrder('chat');
    // A chat leaves the order only when an equivocation replaced it with another kind: the count shows it.
    if (!arrived.some((stored) => stored.event.kind === 'chat') && ordered.length === this.#total) return false;
    this.#total = ordered.length;
    const shown: ChatMessage[] = [];
    for (let i = Math.max(0, ordered.length - this.#size); i < ordered.length; i++) {
      const stored = ordered[i]!;
      let message = this.#messages.get(stored);
      if (!message) {
        message = chatMessage(stored);
        this.#messages.set(stored, message);
      }
      shown.push(message);
    }
    this.#shown = shown;
    return true;
  }
}
