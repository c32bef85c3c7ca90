// The DockerRuntime contract against the swarm backend on a real single-node swarm
// (`integration-swarm` project: test/support/swarm-global-setup.ts).
import pino from 'pino';
import { inject } from 'vitest';
import { createDockerClient } from '../../../../src/adapters/docker/docker-runtime.adapter.js';
import { SwarmRuntime } from '../../../../src/adapters/docker/swarm/swarm-runtime.adapter.js';
import { ENGINE_IMAGE, ENGINE_IMAGE_PATCH, MISSING_IMAGE } from '../../../support/test-env.js';
import { describeDockerRuntimeContract } from '../docker-runtime.contract.js';
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';

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
  return { runtime, image: ENGINE_IMAGE, patchImage: ENGINE_IMAGE_PATCH, missingImage: MISSING_IMAGE, network: swarm.network, forceRemoveKills: false, liveUsage: false };
});

describe('SwarmRuntime: the game network', () => {
  it('only an attachable overlay counts as the game network (a local bridge or a plain overlay does not)', async () => {
    const swarm = inject('swarm');
    const runtime = new SwarmRuntime(createDockerClient(swarm.managerHost), {
      apiTimeoutMs: 15_000, pullTimeoutMs: 30_000, startTimeoutMs: 30_000, stopGraceSeconds: 10, taskPollMs: 100, logger: pino({ level: 'silent' }),
    });
    const docker = (...args: string[]) => execFileSync('docker', ['-H', swarm.managerHost, ...args], { encoding: 'utf8' });
    const plain = `rtm-plain-overlay-${Date.now()}`;
    docker('network', 'create', '--driver', 'overlay', plain);
    try {
      expect(await runtime.networkExists(swarm.network)).toBe(true);
      expect(await runtime.networkExists('bridge')).toBe(false);
      expect(await runtime.networkExists(plain)).toBe(false);
    } finally {
      docker('network', 'rm', plain);
    }
  });
});
