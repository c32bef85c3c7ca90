// The swarm backend's waits on one service's tasks (GET /tasks, polled: the manager's /events
// carry no task states): until they all ended, until they are gone, until a new one runs. A task
// on a node that is down keeps its last reported state until the node rejoins; once the manager
// wants it shut down or removed, it no longer holds a wait (the node's agent does it on rejoining).
import { DockerError } from '../../../ports/docker-runtime.js';
import type { SwarmApiClient } from './swarm-api.client.js';
import { isTerminal, type SwarmNode, type SwarmService, type SwarmTask } from './swarm-task.mapper.js';

export class SwarmTaskWaits {
  constructor(
    private readonly api: SwarmApiClient,
    private readonly pollMs: number,
  ) {}

  /** Every task of the service has ended (or is gone, or is left to a node that is down): nothing of it runs or is about to. */
  settled(service: SwarmService, timeoutMs: number): Promise<true> {
    return this.api.pollUntil(
      timeoutMs,
      this.pollMs,
      async () => ((await this.unreachable((await this.api.tasks([service.ID])).filter((t) => !isTerminal(t)))) ? true : null),
      () => new DockerError('failed', `the task of ${service.Spec.Name} did not stop in time`),
    );
  }

  /** After the service's removal: Swarm removes its tasks after the answer; the name is free once they are gone. */
  gone(service: SwarmService, timeoutMs: number): Promise<true> {
    return this.api.pollUntil(
      timeoutMs,
      this.pollMs,
      async () => ((await this.unreachable(await this.api.tasks([service.ID]))) ? true : null),
      () => new DockerError('failed', `the tasks of ${service.Spec.Name} were not removed in time`),
    );
  }

  /** No task left, or each one left is meant to end and sits on a node that is down (one call for the nodes). */
  private async unreachable(left: readonly SwarmTask[]): Promise<boolean> {
    if (left.length === 0) return true;
    if (left.some((t) => t.DesiredState === 'running')) return false;
    const nodes = new Map((await this.api.nodes()).map((n: SwarmNode) => [n.ID, n.Status?.State]));
    return left.every((t) => t.NodeID !== undefined && nodes.get(t.NodeID) !== 'ready');
  }

  /** The first task not in `before` once it runs; one that ended instead fails the call. */
  async newTask(service: SwarmService, before: ReadonlySet<string>, timeoutMs: number): Promise<SwarmTask> {
    const task = await this.api.pollUntil(
      timeoutMs,
      this.pollMs,
      async () => (await this.api.tasks([service.ID])).find((t) => !before.has(t.ID) && (t.Status?.State === 'running' || isTerminal(t))) ?? null,
      () => new DockerError('failed', `the task of ${service.Spec.Name} did not run within ${timeoutMs} ms`),
    );
    if (task.Status?.State !== 'running')
      throw new DockerError('failed', `the task of ${service.Spec.Name} ended as ${task.Status?.State}: ${task.Status?.Err ?? 'no reason given'}`);
    return task;
  }
}
