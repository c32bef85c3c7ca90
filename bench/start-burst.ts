// "N start jobs -> N results": RTM fed through `runtime:start_jobs` (its job consumer at
// RTMANAGER_JOB_CONCURRENCY), against raw dockerode creating and starting containers with
// RTM's exact create body at the same concurrency. The two alternate in blocks (even
// blocks raw first), and the raw containers of a block are removed (untimed) before the
// next one, so both sides meet a daemon holding the same number of containers.
import { chown, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type Dockerode from 'dockerode';
import type { Redis } from 'ioredis';
import { containerCreateOptions } from '../src/adapters/docker/container-create.mapper.js';
import { loadConfig } from '../src/app/config.js';
import { lifecycleSettingsFromConfig } from '../src/app/lifecycle-settings.js';
import pino from 'pino';
import { DockerodeRuntime } from '../src/adapters/docker/docker-runtime.adapter.js';
import { buildContainerSpec, resolveEngineLaunch, type ResourceLimits } from '../src/domain/container-spec.js';
import { containerNameFor } from '../src/domain/runtime-record.js';
import type { BenchRun } from './bench-run.js';
import { DOCKER_NETWORK, ENGINE_UID, FLEET_IMAGE, inParallel, removeContainersByName } from './bench-servers.js';
import type { FleetObserver } from './fleet-observer.js';

const RESULT_DEADLINE_MS = 180_000;

export interface BurstSide {
  /** ms per block of `blockSize` starts, in block order. */
  blockMs: number[];
  totalMs: number;
}

export interface BurstOutcome {
  raw: BurstSide;
  rtm: BurstSide;
  /** The games RTM started (their containers keep running). */
  rtmGameIds: string[];
  /** Starts per block (the last one may be short). */
  blockSizes: number[];
}

export interface BurstSetup {
  run: BenchRun;
  docker: Dockerode;
  redis: Redis;
  observer: FleetObserver;
  startJobsStream: string;
  stateRoot: string;
  /** Every container name the bench may create: removed at cleanup. */
  names: string[];
  /** RTMANAGER_* of the RTM under test: the raw side builds its create body from the same config. */
  rtmEnv: Record<string, string>;
}

/** RTM's create body for a game, as its start service builds it (image labels, config defaults). */
export async function rawCreateBody(setup: BurstSetup): Promise<(gameId: string, statePath: string) => Dockerode.ContainerCreateOptions> {
  const config = loadConfig(setup.rtmEnv);
  const defaults = lifecycleSettingsFromConfig(config).start.containerDefaults;
  const image = await setup.docker.getImage(FLEET_IMAGE).inspect().catch(() => null);
  if (image === null) throw new Error(`image ${FLEET_IMAGE} is missing: run scripts/bootstrap.sh (or scripts/build-bench-image.sh)`);
  // Exactly the start service's resolution: labels within the ceilings, the image's user checked.
  const host = await new DockerodeRuntime(setup.docker, { apiTimeoutMs: 10_000, pullTimeoutMs: 10_000, logger: pino({ level: 'silent' }) }).hostResources();
  const launch = resolveEngineLaunch({ labels: image.Config?.Labels ?? {}, user: image.Config?.User ?? '' }, defaults, host);
  if (!launch.ok) throw new Error(`image ${FLEET_IMAGE} cannot be launched: ${launch.message}`);
  const limits: ResourceLimits = launch.limits;
  if (defaults.network !== DOCKER_NETWORK) throw new Error(`network mismatch: ${defaults.network} vs ${DOCKER_NETWORK}`);
  return (gameId, statePath) => containerCreateOptions(buildContainerSpec({ gameId, imageRef: FLEET_IMAGE, hostStatePath: statePath, limits, defaults }));
}

export async function startBurst(
  setup: BurstSetup,
  o: { total: number; blockSize: number; concurrency: number; gamePrefix: string },
): Promise<BurstOutcome> {
  const { run, docker } = setup;
  const createBody = await rawCreateBody(setup);
  const raw: BurstSide = { blockMs: [], totalMs: 0 };
  const rtm: BurstSide = { blockMs: [], totalMs: 0 };
  const rtmGameIds: string[] = [];
  const blockSizes: number[] = [];
  const blocks = Math.ceil(o.total / o.blockSize);
  for (let b = 0; b < blocks; b++) {
    const size = Math.min(o.blockSize, o.total - b * o.blockSize);
    blockSizes.push(size);
    const ids = (side: string) => Array.from({ length: size }, (_, i) => `${o.gamePrefix}-${side}${b * o.blockSize + i}`);
    const rawIds = ids('r');
    const rtmIds = ids('e');
    setup.names.push(...rawIds.map(containerNameFor), ...rtmIds.map(containerNameFor));
    const runRaw = async () => {
      // The raw side gets its state dirs ready-made (untimed), as a hand-run deployment would.
      const paths = await Promise.all(rawIds.map(async (g) => {
        const p = path.join(setup.stateRoot, g);
        await mkdir(p, { recursive: true, mode: 0o750 });
        await chown(p, ENGINE_UID, ENGINE_UID);
        return p;
      }));
      run.checkpoint();
      const t0 = performance.now();
      await inParallel(rawIds, o.concurrency, async (g, i) => {
        const c = await docker.createContainer(createBody(g, paths[i] as string));
        await c.start();
      });
      raw.blockMs.push(performance.now() - t0);
      await removeContainersByName(docker, rawIds.map(containerNameFor), run.log);
    };
    const runRtm = async () => {
      run.checkpoint();
      const t0 = performance.now();
      const pipeline = setup.redis.pipeline();
      for (const g of rtmIds) pipeline.xadd(setup.startJobsStream, '*', 'game_id', g, 'image_ref', FLEET_IMAGE, 'requested_at_ms', String(Date.now()));
      await pipeline.exec();
      const lastAt = await setup.observer.waitFor(`job results of block ${b}`, RESULT_DEADLINE_MS, () => {
        let last = 0;
        for (const g of rtmIds) {
          const r = setup.observer.results.get(g)?.[0];
          if (!r) return null;
          if (r.fields.outcome !== 'success') throw new Error(`start job of ${g} failed: ${r.fields.error_code} ${r.fields.error_message}`);
          last = Math.max(last, r.at);
        }
        return last;
      });
      rtm.blockMs.push(lastAt - t0);
      rtmGameIds.push(...rtmIds);
    };
    if (b % 2 === 0) {
      await runRaw();
      await runRtm();
    } else {
      await runRtm();
      await runRaw();
    }
    run.log(`    block ${b + 1}/${blocks}: raw ${Math.round(raw.blockMs.at(-1) ?? 0)} ms, rtm ${Math.round(rtm.blockMs.at(-1) ?? 0)} ms (${size} starts each)`);
  }
  raw.totalMs = raw.blockMs.reduce((a, x) => a + x, 0);
  rtm.totalMs = rtm.blockMs.reduce((a, x) => a + x, 0);
  return { raw, rtm, rtmGameIds, blockSizes };
}
