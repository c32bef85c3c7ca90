// How a stop keeps a game's task (docs/swarm.md "Why stop is two updates"): scaling a running
// task down makes Swarm remove it with its container and logs, while a task replaced by an update
// is shut down and kept in the service's history. So a stop first retires the task by a forced
// update that places its successor nowhere, then scales to 0. Pure spec transforms.
import { newestTask, taskContainerId, type SwarmService, type SwarmTask } from './swarm-task.mapper.js';

/** No node has this id: a task placed by it stays pending ("no suitable node"). */
export const RETIRED_PLACEMENT = 'node.id==rtmanager-stopped';

type Spec = SwarmService['Spec'];

function constraintsOf(spec: Spec): string[] {
  const placement = spec.TaskTemplate?.Placement as { Constraints?: string[] } | undefined;
  return placement?.Constraints ?? [];
}

/** A stop retired this service's task (and may not have scaled it to 0 yet). */
export function isRetired(spec: Spec): boolean {
  return constraintsOf(spec).includes(RETIRED_PLACEMENT);
}

/** The spec with the retired placement added (`retired`) or taken away; other constraints kept. */
export function withPlacement(spec: Spec, retired: boolean): Spec {
  const others = constraintsOf(spec).filter((c) => c !== RETIRED_PLACEMENT);
  const constraints = retired ? [...others, RETIRED_PLACEMENT] : others;
  const { Placement: placement, ...template } = spec.TaskTemplate ?? {};
  const rest = { ...((placement as Record<string, unknown> | undefined) ?? {}) };
  delete rest.Constraints;
  const next = constraints.length > 0 ? { ...rest, Constraints: constraints } : rest;
  return { ...spec, TaskTemplate: { ...template, ...(Object.keys(next).length > 0 ? { Placement: next } : {}) } };
}

/**
 * The task that is the game's engine: the newest one; of a retired service (a stop cut short
 * before its scale to 0), the newest that had a container — its successor is a placeholder that
 * never runs, not a half-made engine.
 */
export function engineTaskOf(service: SwarmService, tasks: readonly SwarmTask[]): SwarmTask | null {
  return newestTask(isRetired(service.Spec) ? tasks.filter((t) => taskContainerId(t) !== null) : tasks);
}
