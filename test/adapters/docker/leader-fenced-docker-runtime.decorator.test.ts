// The Docker side of fencing: inside a leader term the election no longer holds (a paused or
// cut-off leader), a container change is refused before it reaches Docker (LeadershipLost,
// the fence hears of it); reads, and every call outside a term (REST), pass. The decorator
// passes the port's contract outside a term.
import { describe, expect, it } from 'vitest';
import { LeaderFencedDockerRuntime } from '../../../src/adapters/docker/leader-fenced-docker-runtime.decorator.js';
import { AsyncLeaderFence } from '../../../src/adapters/memory/leader-fence.scope.js';
import { isLeadershipLost, type LeadershipLost } from '../../../src/ports/leader-fence.js';
import { FakeDockerRuntime } from '../../fakes/docker-runtime.fake.js';
import { ENGINE_IMAGE, ENGINE_IMAGE_PATCH, MISSING_IMAGE, TEST_DOCKER_NETWORK } from '../../support/test-env.js';
import { describeDockerRuntimeContract } from './docker-runtime.contract.js';

function world() {
  const docker = new FakeDockerRuntime();
  docker.networks.add(TEST_DOCKER_NETWORK);
  docker.addImage(ENGINE_IMAGE, { 'com.galaxy.memory': '256m' });
  docker.addImage(ENGINE_IMAGE_PATCH, { 'com.galaxy.memory': '256m' });
  const fence = new AsyncLeaderFence();
  const rejected: LeadershipLost[] = [];
  fence.onRejected((e) => rejected.push(e));
  return { docker, fence, rejected, fenced: new LeaderFencedDockerRuntime(docker, fence) };
}

describeDockerRuntimeContract('LeaderFencedDockerRuntime (outside a term)', async () => {
  const { fenced } = world();
  return { runtime: fenced, image: ENGINE_IMAGE, patchImage: ENGINE_IMAGE_PATCH, missingImage: MISSING_IMAGE, network: TEST_DOCKER_NETWORK, forceRemoveKills: true, liveUsage: true };
});

describe('LeaderFencedDockerRuntime', () => {
  it('a term that is over changes no container; reads still answer; the current term and REST act', async () => {
    const { docker, fence, rejected, fenced } = world();
    let current = 2;
    fence.judgeTermsBy((token) => token.epoch === current);
    const running = docker.addContainer({ name: 'galaxy-game-g1', state: 'running' });

    const stale = <T>(work: () => Promise<T>) => fence.run({ epoch: 1 }, work);
    const before = docker.calls.length;
    await expect(stale(() => fenced.stopContainer(running.id, 1))).rejects.toSatisfy(isLeadershipLost);
    await expect(stale(() => fenced.removeContainer(running.id, { force: true }))).rejects.toSatisfy(isLeadershipLost);
    await expect(stale(() => fenced.startContainer(running.id))).rejects.toSatisfy(isLeadershipLost);
    await expect(stale(() => fenced.updateContainer(running.id, { pidsLimit: 10 }))).rejects.toSatisfy(isLeadershipLost);
    expect(docker.calls.slice(before)).toEqual([]);
    expect((await stale(() => fenced.inspectContainer(running.id)))?.running).toBe(true);
    expect(rejected.map((e) => [e.dependency, e.epoch, e.message])).toEqual([
      ['docker', 1, `stopping container ${running.id}: rejected, epoch 1 is no longer the leader's (this instance lost the leader lease)`],
      ['docker', 1, expect.stringContaining('removing container')],
      ['docker', 1, expect.stringContaining('starting container')],
      ['docker', 1, expect.stringContaining('updating the limits of container')],
    ]);

    await fence.run({ epoch: 2 }, () => fenced.stopContainer(running.id, 1));
    expect(docker.containers.get(running.id)?.state).not.toBe('running');
    current = 3;
    await fenced.removeContainer(running.id, { force: true }); // REST: outside any term
    expect(docker.containers.has(running.id)).toBe(false);
  });
});
