// The metering decorator: every call observed once under its operation label, failures
// counted by DockerError kind, results and errors passed through unchanged.
import { describe, expect, it } from 'vitest';
import { DOCKER_OPERATIONS, MeteredDockerRuntime } from '../../../src/adapters/docker/metered-docker-runtime.adapter.js';
import { DockerError } from '../../../src/ports/docker-runtime.js';
import { FakeDockerRuntime } from '../../fakes/docker-runtime.fake.js';
import { FakeMetrics } from '../../fakes/misc.fake.js';

function metered() {
  const docker = new FakeDockerRuntime();
  const metrics = new FakeMetrics();
  let clock = 0;
  const runtime = new MeteredDockerRuntime(docker, metrics, () => (clock += 250));
  return { docker, metrics, runtime };
}

describe('MeteredDockerRuntime', () => {
  it('observes a successful call under its operation label with its duration, and returns its result', async () => {
    const { docker, metrics, runtime } = metered();
    docker.addImage('galaxy/game:1.0.0', { a: 'b' });
    expect(await runtime.inspectImage('galaxy/game:1.0.0')).toMatchObject({ labels: { a: 'b' } });
    expect(await runtime.inspectImage('galaxy/missing:1')).toBeNull();
    expect(metrics.dockerCalls).toEqual([
      { operation: 'image_inspect', seconds: 0.25, errorReason: null },
      { operation: 'image_inspect', seconds: 0.25, errorReason: null },
    ]);
  });

  it('counts a failure by the DockerError kind (unavailable for an unreachable daemon) and rethrows the same error', async () => {
    const { docker, metrics, runtime } = metered();
    const refused = new DockerError('conflict', 'name in use');
    docker.failOn.createContainer = refused;
    await expect(runtime.createContainer({ name: 'galaxy-game-g1' } as never)).rejects.toBe(refused);
    docker.down = true;
    await expect(runtime.ping()).rejects.toMatchObject({ name: 'DependencyUnavailable', dependency: 'docker' });
    docker.down = false;
    docker.failOn.listOwnedContainers = new Error('bug');
    await expect(runtime.listOwnedContainers()).rejects.toThrow('bug');
    expect(metrics.dockerCalls.map((c) => [c.operation, c.errorReason])).toEqual([
      ['container_create', 'conflict'],
      ['ping', 'unavailable'],
      ['container_list', 'other'],
    ]);
  });

  it('labels each port method once; the pull keeps the label the alert rules exclude', () => {
    const labels = Object.values(DOCKER_OPERATIONS);
    expect(new Set(labels).size).toBe(labels.length);
    expect(DOCKER_OPERATIONS.pullImage).toBe('pull');
  });
});
