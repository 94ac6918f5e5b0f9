import { describe, expect, it } from 'vitest';
import { FLOW_MS, flowDots, inFlight } from '../src/lib/telemetry/graphFlows.ts';
import type { Flow } from '../src/lib/telemetry/roomTimeline.ts';

const positions = new Map([
  ['a', { x: 0, y: 0 }],
  ['b', { x: 100, y: 200 }],
]);

describe('message flows on the room graph', () => {
  it('puts a dot along its edge by the time since it left', () => {
    const flows: Flow[] = [{ from: 'a', to: 'b', kind: 'direct', at: 1000 }];
    expect(flowDots(flows, positions, 1000 + FLOW_MS / 2)).toEqual([{ key: 0, kind: 'direct', from: 'a', to: 'b', x: 50, y: 100 }]);
    expect(flowDots(flows, positions, 1000 + FLOW_MS)).toEqual([]);
    expect(flowDots(flows, positions, 999)).toEqual([]);
  });

  it('leaves out flows to nodes not placed, keeping each dot keyed by its flow', () => {
    const flows: Flow[] = [
      { from: 'a', to: 'gone', kind: 'relay', at: 0 },
      { from: 'b', to: 'a', kind: 'server', at: 0 },
    ];
    expect(flowDots(flows, positions, 0).map((dot) => dot.key)).toEqual([1]);
  });

  it('says whether anything is still crossing, so the animation clock can stop', () => {
    const flows: Flow[] = [{ from: 'a', to: 'b', kind: 'direct', at: 1000 }];
    expect(inFlight(flows, 1000 + FLOW_MS - 1)).toBe(true);
    expect(inFlight(flows, 1000 + FLOW_MS)).toBe(false);
    expect(inFlight([], 0)).toBe(false);
  });
});
