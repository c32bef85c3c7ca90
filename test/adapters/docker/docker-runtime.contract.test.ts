// The DockerRuntime contract against the real daemon and against FakeDockerRuntime.
import pino from 'pino';
import { createDockerClient, DockerodeRuntime } from '../../../src/adapters/docker/docker-runtime.adapter.js';
import { FakeDockerRuntime } from '../../fakes/docker-runtime.fake.js';
import { ENGINE_IMAGE, ENGINE_IMAGE_PATCH, MISSING_IMAGE, TEST_DOCKER_HOST, TEST_DOCKER_NETWORK } from '../../support/test-env.js';
import { describeDockerRuntimeContract } from './docker-runtime.contract.js';

describeDockerRuntimeContract('DockerodeRuntime (real daemon)', async () => ({
  runtime: new DockerodeRuntime(createDockerClient(TEST_DOCKER_HOST), { apiTimeoutMs: 15_000, pullTimeoutMs: 30_000, logger: pino({ level: 'silent' }) }),
  image: ENGINE_IMAGE,
  patchImage: ENGINE_IMAGE_PATCH,
  missingImage: MISSING_IMAGE,
  network: TEST_DOCKER_NETWORK,
  forceRemoveKills: true, liveUsage: true,
}));

describeDockerRuntimeContract('FakeDockerRuntime', async () => {
  const fake = new FakeDockerRuntime();
  fake.networks.add(TEST_DOCKER_NETWORK);
  fake.addImage(ENGINE_IMAGE, { 'com.galaxy.memory': '256m' });
  fake.addImage(ENGINE_IMAGE_PATCH, { 'com.galaxy.memory': '256m' });
  return { runtime: fake, image: ENGINE_IMAGE, patchImage: ENGINE_IMAGE_PATCH, missingImage: MISSING_IMAGE, network: TEST_DOCKER_NETWORK, forceRemoveKills: true, liveUsage: true };
});
