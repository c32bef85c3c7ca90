// `integration-swarm` project setup: one single-node swarm for the whole project (the port's
// contract suite and the lifecycle tests against the swarm backend), the engine images loaded
// into it, and a prober container on its overlay (the test process cannot reach overlay
// addresses: RTM runs on the overlay in swarm mode). Torn down when the project ends.
import type { TestProject } from 'vitest/node';
import integrationSetup from './global-setup.js';
import { startSwarm, sweepOrphanSwarms } from './swarm-cluster.js';
import { ENGINE_IMAGE, ENGINE_IMAGE_BADLABEL, ENGINE_IMAGE_MINOR, ENGINE_IMAGE_PATCH, ENGINE_IMAGE_SMALLMEM } from './test-env.js';

export const SWARM_TEST_NETWORK = 'rtm-swarm-net';
export const SWARM_PROBER = 'rtm-swarm-prober';

declare module 'vitest' {
  export interface ProvidedContext {
    swarm: { managerHost: string; network: string; dir: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const integrationTeardown = await integrationSetup();
  sweepOrphanSwarms();
  const images = [ENGINE_IMAGE, ENGINE_IMAGE_PATCH, ENGINE_IMAGE_MINOR, ENGINE_IMAGE_SMALLMEM, ENGINE_IMAGE_BADLABEL];
  const swarm = startSwarm({ nodes: 1, network: SWARM_TEST_NETWORK, images });
  try {
    swarm.docker(1, ['run', '-d', '--pull', 'never', '--name', SWARM_PROBER, '--network', SWARM_TEST_NETWORK, '--entrypoint', '/usr/bin/node', ENGINE_IMAGE, '-e', 'setInterval(() => {}, 1 << 30)']);
  } catch (err) {
    swarm.close();
    await integrationTeardown();
    throw err;
  }
  project.provide('swarm', { managerHost: swarm.managerHost, network: swarm.network, dir: swarm.dir });
  return async () => {
    swarm.close();
    await integrationTeardown();
  };
}
