// The stop's placement transform (pure): retiring adds the impossible constraint and keeps the
// operator's own; placing again takes exactly it away and leaves no empty Placement behind
// (the read-back compares what was sent with what the manager keeps).
import { describe, expect, it } from 'vitest';
import { RETIRED_PLACEMENT, engineTaskOf, isRetired, withPlacement } from '../../../../src/adapters/docker/swarm/retired-placement.js';
import type { SwarmService, SwarmTask } from '../../../../src/adapters/docker/swarm/swarm-task.mapper.js';

const spec = (placement?: Record<string, unknown>): SwarmService['Spec'] => ({
  Name: 'galaxy-game-g1',
  TaskTemplate: { ContainerSpec: { Image: 'galaxy/game:1.0.0' }, ForceUpdate: 3, ...(placement ? { Placement: placement } : {}) },
});

describe('retired placement', () => {
  it('retires a spec without a placement, and places it again as it was', () => {
    const retired = withPlacement(spec(), true);
    expect(isRetired(retired)).toBe(true);
    expect(retired.TaskTemplate?.Placement).toEqual({ Constraints: [RETIRED_PLACEMENT] });
    expect(retired.TaskTemplate?.ForceUpdate).toBe(3);
    const placed = withPlacement(retired, false);
    expect(isRetired(placed)).toBe(false);
    expect(placed).toEqual(spec());
  });

  it("keeps the operator's constraints and preferences; retiring twice adds the constraint once", () => {
    const own = { Constraints: ['node.role==worker'], Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }] };
    const twice = withPlacement(withPlacement(spec(own), true), true);
    expect(twice.TaskTemplate?.Placement).toEqual({ ...own, Constraints: ['node.role==worker', RETIRED_PLACEMENT] });
    expect(withPlacement(twice, false).TaskTemplate?.Placement).toEqual(own);
  });

  it('a spec never retired is not; a node.id constraint of the operator is not the retired one', () => {
    expect(isRetired(spec())).toBe(false);
    expect(isRetired(spec({ Constraints: ['node.id==abc'] }))).toBe(false);
    expect(withPlacement(spec({ Constraints: ['node.id==abc'] }), false).TaskTemplate?.Placement).toEqual({ Constraints: ['node.id==abc'] });
  });

  it("the engine task of a retired service is its newest task that had a container, not the pending placeholder", () => {
    const ran: SwarmTask = { ID: 'ran', ServiceID: 's', CreatedAt: '2026-12-05T01:00:00Z', Status: { State: 'shutdown', ContainerStatus: { ContainerID: 'c'.repeat(64) } } };
    const placeholder: SwarmTask = { ID: 'placeholder', ServiceID: 's', CreatedAt: '2026-12-05T02:00:00Z', Status: { State: 'pending' } };
    const service = (s: SwarmService['Spec']): SwarmService => ({ ID: 's', Version: { Index: 1 }, Spec: s });
    expect(engineTaskOf(service(withPlacement(spec(), true)), [ran, placeholder])?.ID).toBe('ran');
    // Not retired: a pending task is a start under way, the engine to report.
    expect(engineTaskOf(service(spec()), [ran, placeholder])?.ID).toBe('placeholder');
  });
});
