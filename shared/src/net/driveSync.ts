import type { Input, Output, PeerlabNode } from '../engine/node.ts';
import type { VerifyRequest } from '../ports/ports.ts';

/**
 * Handles one input and answers the node's verification requests on the spot with a synchronous
 * check, as the simulator and the in-memory tests do. Returns every output except `verify`.
 */
export function handleSync(node: PeerlabNode, input: Input, now: number, verify: (request: VerifyRequest) => boolean): Output[] {
  const done: Output[] = [];
  let queue = node.handle(input, now);
  // Bounded: each round can only verify events that arrived in the previous one.
  for (let round = 0; round < 8 && queue.length > 0; round++) {
    const next: Output[] = [];
    for (const output of queue) {
      if (output.type !== 'verify') {
        done.push(output);
        continue;
      }
      const results = output.requests.map((request) => ({ id: request.id, ok: verify(request) }));
      next.push(...node.handle({ type: 'verified', results }, now));
    }
    queue = next;
  }
  return done;
}
