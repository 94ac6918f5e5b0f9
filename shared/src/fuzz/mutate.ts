/**
 * Frames for the fuzzers (`npm run fuzz`): grammar-aware mutations of valid messages, so most frames get
 * past JSON parsing and the first checks and reach the deeper ones, plus some random frames. A mutation
 * walks into the parsed message and changes one place (a value of another type, an edge number, a huge
 * or odd string, a key removed or added, an array grown), and sometimes damages the text after.
 * Deterministic for a given rng, so a frame that breaks something can be found again from its seed.
 */
import type { Rng } from '../ports/ports.ts';
import { randomInt } from '../ports/rng.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Names the protocol uses, so an added key is one a decoder may look at. */
const FIELD_NAMES = ['type', 'kind', 'v', 'room', 'author', 'seq', 'lamport', 'sig', 'body', 'events', 'have', 'epoch', 'mode', 'peer', 'to', 'data', 'text', 'name', 'at', 'proof', 'links', '__proto__', 'constructor'];

function nested(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

function oddValue(rng: Rng): Json {
  const values: (() => Json)[] = [
    () => null,
    () => true,
    () => 0,
    () => -1,
    () => 1.5,
    () => 2 ** 53 + 2,
    () => -(2 ** 31),
    () => 1e308,
    () => Number.MAX_SAFE_INTEGER,
    () => '',
    () => 'x'.repeat(1 + randomInt(rng, 70_000)),
    () => 'ab'.repeat(32),
    () => 'ff'.repeat(64),
    () => '\u0000\ud800\uffff',
    () => '💥'.repeat(100),
    () => [],
    () => ({}),
    () => Array.from({ length: 1 + randomInt(rng, 2_000) }, (_, i) => i),
    () => JSON.parse('{"__proto__":{"polluted":true}}') as Json,
    () => JSON.parse(nested(1 + randomInt(rng, 3_000))) as Json,
  ];
  return values[randomInt(rng, values.length)]!();
}

function tweakNumber(value: number, rng: Rng): number {
  const tweaks = [value + 1, value - 1, -value, value * 2 ** (1 + randomInt(rng, 60)), value + 0.5, 0, 2 ** 53, -1];
  return tweaks[randomInt(rng, tweaks.length)]!;
}

/** One change at one place of `value` (a fresh copy; the input is not touched). */
function mutateValue(value: Json, rng: Rng, depth: number): Json {
  const isContainer = typeof value === 'object' && value !== null;
  if (!isContainer || depth > 8 || rng.next() < 0.3) {
    if (typeof value === 'number' && rng.next() < 0.6) return tweakNumber(value, rng);
    if (typeof value === 'string' && value.length > 0 && rng.next() < 0.5) {
      const at = randomInt(rng, value.length);
      const changes = [value.slice(0, at), value + value, value.slice(0, at) + String.fromCharCode(randomInt(rng, 0x3000)) + value.slice(at + 1), value.toUpperCase()];
      return changes[randomInt(rng, changes.length)]!;
    }
    return oddValue(rng);
  }
  if (Array.isArray(value)) {
    const out = [...value];
    if (out.length === 0) return [oddValue(rng)];
    const i = randomInt(rng, out.length);
    const roll = rng.next();
    if (roll < 0.15) out.splice(i, 1);
    else if (roll < 0.3) for (let k = randomInt(rng, 60); k >= 0; k--) out.push(out[i]!);
    else if (roll < 0.4) out.reverse();
    else out[i] = mutateValue(out[i]!, rng, depth + 1);
    return out;
  }
  const out: { [key: string]: Json } = { ...value };
  const keys = Object.keys(out);
  const roll = rng.next();
  if (keys.length === 0 || roll < 0.12) {
    Object.defineProperty(out, FIELD_NAMES[randomInt(rng, FIELD_NAMES.length)]!, { value: oddValue(rng), enumerable: true, configurable: true, writable: true });
  } else if (roll < 0.25) {
    delete out[keys[randomInt(rng, keys.length)]!];
  } else {
    const key = keys[randomInt(rng, keys.length)]!;
    out[key] = mutateValue(out[key]!, rng, depth + 1);
  }
  return out;
}

/** Damage to the text itself: cut short, a byte changed, a slice doubled or dropped. */
function damageText(text: string, rng: Rng): string {
  const at = randomInt(rng, text.length + 1);
  const to = Math.min(text.length, at + randomInt(rng, 40));
  const damages = [text.slice(0, at), text.slice(0, at) + String.fromCharCode(randomInt(rng, 256)) + text.slice(at + 1), text.slice(0, to) + text.slice(at), text.slice(0, at) + text.slice(to)];
  return damages[randomInt(rng, damages.length)]!;
}

/** A mutated copy of a valid JSON frame (text); a frame that is not JSON is only damaged as text. */
export function mutateFrame(valid: string, rng: Rng): string {
  let parsed: Json;
  try {
    parsed = JSON.parse(valid) as Json;
  } catch {
    return damageText(valid, rng);
  }
  let text = JSON.stringify(mutateValue(parsed, rng, 0));
  if (rng.next() < 0.15) text = damageText(text, rng);
  return text;
}

/** A mutated copy of a valid payload object (for Socket.IO events, which carry objects, not text). */
export function mutatePayload(valid: unknown, rng: Rng): unknown {
  return mutateValue(valid as Json, rng, 0);
}

/** A frame with no grammar at all: random characters, or a random JSON value. */
export function randomFrame(rng: Rng): string {
  if (rng.next() < 0.5) return Array.from({ length: randomInt(rng, 300) }, () => String.fromCharCode(randomInt(rng, 0x800))).join('');
  return JSON.stringify(oddValue(rng));
}
