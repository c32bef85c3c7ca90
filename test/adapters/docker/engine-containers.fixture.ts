// Container specs and cleanup for the Docker adapter suites. Every container a test
// creates is named galaxy-game-<testGameId()> and removed afterwards, failure or not.
import { mkdtemp, chmod, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildContainerSpec, OWNER_LABEL, type ContainerSpec, type EngineHardening } from '../../../src/domain/container-spec.js';
import type { DockerEvent, DockerRuntime } from '../../../src/ports/docker-runtime.js';
import { testGameId, TEST_CEILINGS, TEST_DOCKER_NETWORK, TEST_HARDENING } from '../../support/test-env.js';

export const TEST_LIMITS = { cpus: 0.5, memoryBytes: 128 * 1024 * 1024, pidsLimit: 64 };
export const TEST_LOG_OPTIONS = { 'max-size': '1m', 'max-file': '2' };

export class EngineContainers {
  private readonly names = new Set<string>();
  private readonly dirs = new Set<string>();

  constructor(
    private readonly runtime: () => DockerRuntime,
    private readonly network = TEST_DOCKER_NETWORK,
  ) {}

  /** A host state directory the engine (a non-root uid) can write. */
  async stateDir(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rtm-docker-state-'));
    await chmod(dir, 0o777);
    this.dirs.add(dir);
    return dir;
  }

  /** The contract's spec for a fresh test game; `owned: false` drops the owner label. */
  async spec(
    image: string,
    opts: { owned?: boolean; label?: string; hardening?: Partial<EngineHardening> } = {},
  ): Promise<ContainerSpec & { gameId: string }> {
    const gameId = testGameId(opts.label ?? 'dock');
    const spec = buildContainerSpec({
      gameId,
      imageRef: image,
      hostStatePath: await this.stateDir(),
      limits: TEST_LIMITS,
      defaults: { network: this.network, enginePort: 8080, limits: TEST_LIMITS, ceilings: TEST_CEILINGS, hardening: { ...TEST_HARDENING, ...opts.hardening }, logDriver: 'json-file', logOptions: TEST_LOG_OPTIONS },
    });
    if (opts.owned === false) delete spec.labels[OWNER_LABEL];
    this.names.add(spec.name);
    return { ...spec, gameId };
  }

  async cleanup(): Promise<void> {
    for (const name of this.names) await this.runtime().removeContainer(name, { force: true });
    this.names.clear();
    for (const dir of this.dirs) await rm(dir, { recursive: true, force: true });
    this.dirs.clear();
  }
}

/** Collects events in the background until `stop()`; `until` polls for a wanted one. */
export function collectEvents(runtime: DockerRuntime, since?: number) {
  const controller = new AbortController();
  const events: DockerEvent[] = [];
  let failure: unknown = null;
  const query = since === undefined ? { signal: controller.signal } : { since, signal: controller.signal };
  const done = (async () => {
    try {
      for await (const e of runtime.events(query)) events.push(e);
    } catch (err) {
      failure = err;
    }
  })();
  return {
    events,
    get failure() {
      return failure;
    },
    of(containerId: string) {
      return events.filter((e) => e.containerId === containerId);
    },
    async stop() {
      controller.abort();
      await done;
    },
  };
}
