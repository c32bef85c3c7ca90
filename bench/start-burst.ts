// "N start jobs -> N results": RTM fed through `runtime:start_jobs` (its job consumer at
// RTMANAGER_JOB_CONCURRENCY), against raw dockerode creating and starting containers with
// RTM's exact create body at the same concurrency. The two alternate in blocks (even
// blocks raw first), and the raw containers of a block are removed (untimed) before the
// next one, so both sides meet a daemon holding the same number of containers. An untimed
// warm-up round per side comes first (RTM is a fresh process; the raw client is warm).
import { chown, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type Dockerode from 'dockerode';
import type { Redis } from 'ioredis';
import { containerCreateOptions } from '../src/adapters/docker/container-create.mapper.js';
import { loadConfig } from '../src/app/config.js';
import { lifecycleSettingsFromConfig } from '../src/app/composition-root.js';
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
  o: { total: number; blockSize: number; concurrency: number; gamePrefix: string; warmup?: number },
): Promise<BurstOutcome> {
  const { run, docker } = setup;
  const createBody = await rawCreateBody(setup);
  const raw: BurstSide = { blockMs: [], totalMs: 0 };
  const rtm: BurstSide = { blockMs: [], totalMs: 0 };
  const rtmGameIds: string[] = [];
  const blockSizes: number[] = [];
  // Timed: one side's block of starts; each returns its wall time in ms.
  const runRaw = async (rawIds: string[]): Promise<number> => {
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
    const ms = performance.now() - t0;
    await removeContainersByName(docker, rawIds.map(containerNameFor), run.log);
    return ms;
  };
  const runRtm = async (rtmIds: string[], label: string): Promise<number> => {
    run.checkpoint();
    const t0 = performance.now();
    const pipeline = setup.redis.pipeline();
    for (const g of rtmIds) pipeline.xadd(setup.startJobsStream, '*', 'game_id', g, 'image_ref', FLEET_IMAGE, 'requested_at_ms', String(Date.now()));
    await pipeline.exec();
    const lastAt = await setup.observer.waitFor(`job results of ${label}`, RESULT_DEADLINE_MS, () => {
      let last = 0;
      for (const g of rtmIds) {
        const r = setup.observer.results.get(g)?.[0];
        if (!r) return null;
        if (r.fields.outcome !== 'success') throw new Error(`start job of ${g} failed: ${r.fields.error_code} ${r.fields.error_message}`);
        last = Math.max(last, r.at);
      }
      return last;
    });
    return lastAt - t0;
  };
  const ids = (side: string, from: number, size: number) => Array.from({ length: size }, (_, i) => `${o.gamePrefix}-${side}${from + i}`);

  // Untimed warm-up, one round of the concurrency per side: the raw side's client is warm
  // from the bench's own set-up, RTM's start path (JIT, pools, first XREAD) is not.
  // RTM's warm-up engines stay: they run with the fleet (N + warm-up engines).
  const warmup = o.warmup ?? o.concurrency;
  if (warmup > 0) {
    const rawIds = ids('wr', 0, warmup);
    const rtmIds = ids('we', 0, warmup);
    setup.names.push(...rawIds.map(containerNameFor), ...rtmIds.map(containerNameFor));
    await runRaw(rawIds);
    await runRtm(rtmIds, 'the warm-up');
  }

  const blocks = Math.ceil(o.total / o.blockSize);
  for (let b = 0; b < blocks; b++) {
    const size = Math.min(o.blockSize, o.total - b * o.blockSize);
    blockSizes.push(size);
    const rawIds = ids('r', b * o.blockSize, size);
    const rtmIds = ids('e', b * o.blockSize, size);
    setup.names.push(...rawIds.map(containerNameFor), ...rtmIds.map(containerNameFor));
    const timeRaw = async () => raw.blockMs.push(await runRaw(rawIds));
    const timeRtm = async () => {
      rtm.blockMs.push(await runRtm(rtmIds, `block ${b}`));
      rtmGameIds.push(...rtmIds);
    };
    if (b % 2 === 0) {
      await timeRaw();
      await timeRtm();
    } else {
      await timeRtm();
      await timeRaw();
    }
    run.log(`    block ${b + 1}/${blocks}: raw ${Math.round(raw.blockMs.at(-1) ?? 0)} ms, rtm ${Math.round(rtm.blockMs.at(-1) ?? 0)} ms (${size} starts each)`);
  }
  raw.totalMs = raw.blockMs.reduce((a, x) => a + x, 0);
  rtm.totalMs = rtm.blockMs.reduce((a, x) => a + x, 0);
  return { raw, rtm, rtmGameIds, blockSizes };
}
