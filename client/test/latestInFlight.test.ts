import { describe, expect, it } from 'vitest';
import { IN_FLIGHT_TIMEOUT_MS, LatestInFlight } from '../src/lib/transport/latestInFlight.ts';

/** A gate over a fake link: what was sent, and the acknowledgement of each, to call when the test says. */
function gate() {
  let now = 0;
  const sent: number[] = [];
  const acks: (() => void)[] = [];
  const slot = new LatestInFlight<number>(
    (item, done) => {
      sent.push(item);
      acks.push(done);
    },
    () => now,
  );
  return { slot, sent, acks, advance: (ms: number) => void (now += ms) };
}

describe('LatestInFlight', () => {
  it('sends at once when nothing is in flight', () => {
    const { slot, sent, acks } = gate();
    slot.offer(1);
    acks[0]!();
    slot.offer(2);
    expect(sent).toEqual([1, 2]);
  });

  it('keeps only the newest item behind the one in flight, and sends it on the acknowledgement', () => {
    const { slot, sent, acks } = gate();
    slot.offer(1);
    slot.offer(2);
    slot.offer(3);
    expect(sent).toEqual([1]);
    expect(slot.waiting).toBe(true);
    acks[0]!();
    expect(sent).toEqual([1, 3]);
    expect(slot.waiting).toBe(false);
    acks[1]!();
    expect(sent).toEqual([1, 3]);
  });

  it('stops waiting for an acknowledgement after IN_FLIGHT_TIMEOUT_MS, and ignores it when it comes late', () => {
    const { slot, sent, acks, advance } = gate();
    slot.offer(1);
    advance(IN_FLIGHT_TIMEOUT_MS - 1);
    slot.offer(2);
    expect(sent).toEqual([1]);
    advance(1);
    slot.offer(3);
    expect(sent).toEqual([1, 3]);
    acks[0]!(); // the first one's late ack must not release what follows the second
    slot.offer(4);
    expect(sent).toEqual([1, 3]);
    acks[1]!();
    expect(sent).toEqual([1, 3, 4]);
  });

  it('forgets what was in flight and what waited when the connection is new', () => {
    const { slot, sent, acks } = gate();
    slot.offer(1);
    slot.offer(2);
    slot.reset();
    acks[0]!(); // an ack from the old connection releases nothing
    expect(sent).toEqual([1]);
    slot.offer(3);
    expect(sent).toEqual([1, 3]);
  });
});
