// Hardening parity on the real single-node swarm (integration-swarm project): the gate reads the
// node's engine and the manager's API version; a spec carrying fields the manager does not know
// is refused by the read-back (and its service removed); a refused gate writes no service.
import { execFileSync } from 'node:child_process';
import pino from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createDockerClient } from '../../../../src/adapters/docker/docker-client.factory.js';
import { SwarmHardeningGate } from '../../../../src/adapters/docker/swarm/swarm-hardening.gate.js';
import { SwarmRuntime, type SwarmRuntimeOptions } from '../../../../src/adapters/docker/swarm/swarm-runtime.adapter.js';
import { expressibleRows, parseVersion, type SwarmHardeningRow } from '../../../../src/domain/swarm-hardening.js';
import { DockerError } from '../../../../src/ports/docker-runtime.js';
import { ENGINE_IMAGE } from '../../../support/test-env.js';
import { EngineContainers } from '../engine-containers.fixture.js';

const settings = { apiTimeoutMs: 15_000, pullTimeoutMs: 30_000, startTimeoutMs: 30_000, stopGraceSeconds: 5, taskPollMs: 100, logger: pino({ level: 'silent' }) };

function runtimeWith(expressibleHardening: SwarmRuntimeOptions['expressibleHardening']) {
  return new SwarmRuntime(createDockerClient(inject('swarm').managerHost), { ...settings, expressibleHardening });
}
const manager = (...args: string[]) => execFileSync('docker', ['-H', inject('swarm').managerHost, ...args], { encoding: 'utf8' }).trim();

const containers = new EngineContainers(() => runtimeWith(undefined), inject('swarm').network);
afterEach(async () => {
  await containers.cleanup();
});

describe('swarm hardening parity (real manager)', () => {
  it('the gate reads the node engine and the API version the manager speaks', async () => {
    const gate = new SwarmHardeningGate(createDockerClient(inject('swarm').managerHost), { apiTimeoutMs: 15_000, waived: [] });
    const versions = await gate.versions();
    expect(versions.engines).toEqual([manager('version', '-f', '{{.Server.Version}}')]);
    expect(versions.apiVersion).toBe(manager('version', '-f', '{{.Server.APIVersion}}'));
    expect(versions.engines.map(parseVersion)).not.toContain(null);
    const verdict = await gate.verdict();
    expect(verdict.unmet).toContain('cgroupns');
    expect([...verdict.expressible]).toEqual([...expressibleRows(versions)]);
  });

  const engine = manager('version', '-f', '{{.Server.Version}}');
  it.skipIf((parseVersion(engine)?.[0] ?? 0) >= 25)(`a ${engine} manager drops the newer fields: the read-back refuses the spec and removes the service`, async () => {
    const spec = await containers.spec(ENGINE_IMAGE, { label: 'hard' });
    const lying = runtimeWith(async () => new Set<SwarmHardeningRow>(['no_new_privileges', 'swap_limit']));
    const refused = lying.createContainer(spec);
    await expect(refused).rejects.toBeInstanceOf(DockerError);
    await expect(refused).rejects.toThrow(/did not keep TaskTemplate\.ContainerSpec\.Privileges\.NoNewPrivileges, TaskTemplate\.Resources\.SwapBytes/);
    expect(manager('service', 'ls', '-q', '--filter', `name=${spec.name}`)).toBe('');
  });

  it('a gate that refuses: no service is written', async () => {
    const spec = await containers.spec(ENGINE_IMAGE, { label: 'hard' });
    const refusing = runtimeWith(async () => {
      throw new DockerError('failed', 'swarm mode refused: cannot express cgroupns');
    });
    await expect(refusing.createContainer(spec)).rejects.toThrow(/swarm mode refused/);
    expect(manager('service', 'ls', '-q', '--filter', `name=${spec.name}`)).toBe('');
  });
});
