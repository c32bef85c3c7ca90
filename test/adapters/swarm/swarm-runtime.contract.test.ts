// The DockerRuntime contract against the swarm backend on a real single-node swarm
// (`integration-swarm` project: test/support/swarm-global-setup.ts).
import pino from 'pino';
import { inject } from 'vitest';
import { createDockerClient } from '../../../src/adapters/docker/docker-runtime.adapter.js';
import { SwarmRuntime } from '../../../src/adapters/swarm/swarm-runtime.adapter.js';
import { ENGINE_IMAGE, MISSING_IMAGE } from '../../support/test-env.js';
import { describeDockerRuntimeContract } from '../docker/docker-runtime.contract.js';

describeDockerRuntimeContract('SwarmRuntime (single-node swarm)', async () => {
  const swarm = inject('swarm');
  const runtime = new SwarmRuntime(createDockerClient(swarm.managerHost), {
    apiTimeoutMs: 15_000,
    pullTimeoutMs: 30_000,
    startTimeoutMs: 30_000,
    stopGraceSeconds: 10,
    taskPollMs: 100,
    logger: pino({ level: 'silent' }),
  });
  return { runtime, image: ENGINE_IMAGE, missingImage: MISSING_IMAGE, network: swarm.network, forceRemoveKills: false, stopKeepsContainer: false };
});
