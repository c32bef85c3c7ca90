// The DockerRuntime port's behaviour, shared by the real adapter and FakeDockerRuntime.
// Called twice from docker-runtime.contract.test.ts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GAME_ID_LABEL, OWNER_LABEL, OWNER_VALUE } from '../../../src/domain/container-spec.js';
import { DockerError, type DockerRuntime, type EngineLogLine } from '../../../src/ports/docker-runtime.js';
import { eventually, uniqueSuffix } from '../../support/test-env.js';
import { collectEvents, EngineContainers } from './engine-containers.fixture.js';

export interface DockerRuntimeHarness {
  runtime: DockerRuntime;
  /** An engine image present locally that honours SIGTERM. */
  image: string;
  /** A second present engine image (replaceContainer moves to it). */
  patchImage: string;
  /** A reference that is neither present nor pullable. */
  missingImage: string;
  network: string;
  /** A forced remove kills the container and reports 137 (one daemon); Swarm shuts its task down. */
  forceRemoveKills: boolean;
  /** Stats and in-place limits (one daemon); a Swarm manager refuses both with conflict. */
  liveUsage: boolean;
  close?(): Promise<void>;
}

async function dockerErrorOf(p: Promise<unknown>): Promise<DockerError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DockerError);
    return err as DockerError;
  }
  throw new Error('expected a DockerError, the call succeeded');
}

export function describeDockerRuntimeContract(name: string, makeHarness: () => Promise<DockerRuntimeHarness>): void {
  describe(`DockerRuntime contract: ${name}`, () => {
    let h: DockerRuntimeHarness;
    let containers: EngineContainers;

    beforeAll(async () => {
      h = await makeHarness();
      containers = new EngineContainers(() => h.runtime, h.network);
    });
    afterEach(async () => {
      await containers.cleanup();
    });
    afterAll(async () => {
      await h?.close?.();
    });

    it('answers ping and tells an existing network from a missing one', async () => {
      await h.runtime.ping();
      expect(await h.runtime.networkExists(h.network)).toBe(true);
      expect(await h.runtime.networkExists(`rtm-missing-net-${uniqueSuffix()}`)).toBe(false);
    });

    it('inspectImage: null for a missing image, id and labels for a present one', async () => {
      expect(await h.runtime.inspectImage(h.missingImage)).toBeNull();
      const info = await h.runtime.inspectImage(h.image);
      expect(info?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(typeof info?.labels).toBe('object');
      expect(typeof info?.user).toBe('string');
    });

    it('hostResources: the host has at least one CPU and some memory, and says so twice alike', async () => {
      const first = await h.runtime.hostResources();
      expect(first.cpus).toBeGreaterThanOrEqual(1);
      expect(first.memoryBytes).toBeGreaterThan(6 * 1024 ** 2);
      expect(await h.runtime.hostResources()).toEqual(first);
    });

    it('createContainer on a missing image is not_found', async () => {
      const spec = await containers.spec(h.missingImage);
      const err = await dockerErrorOf(h.runtime.createContainer(spec));
      expect(err.kind).toBe('not_found');
      expect(await h.runtime.inspectContainer(spec.name)).toBeNull();
    });

    it('createContainer with a name in use is conflict', async () => {
      const spec = await containers.spec(h.image);
      const id = await h.runtime.createContainer(spec);
      const err = await dockerErrorOf(h.runtime.createContainer(spec));
      expect(err.kind).toBe('conflict');
      expect((await h.runtime.inspectContainer(spec.name))?.id).toBe(id);
    });

    it('createContainer creates without starting', async () => {
      const spec = await containers.spec(h.image);
      const id = await h.runtime.createContainer(spec);
      const info = await h.runtime.inspectContainer(id);
      expect(info).toMatchObject({ id, name: spec.name, state: 'created', running: false, exitCode: null, startedAt: null });
    });

    it('create + start: inspect (by id and by name) shows it running with its labels', async () => {
      const spec = await containers.spec(h.image);
      const created = await h.runtime.createContainer(spec);
      // The running container's id (one daemon: the created one; Swarm: the service's task's).
      const id = await h.runtime.startContainer(created);
      expect(await h.runtime.startContainer(created)).toBe(id); // already running: fine, same container
      const info = await h.runtime.inspectContainer(id);
      expect(info).toMatchObject({ id, name: spec.name, image: spec.image, state: 'running', running: true, exitCode: null, oomKilled: false, restartCount: 0 });
      expect(info?.labels).toMatchObject(spec.labels);
      expect(info?.startedAt).toBeInstanceOf(Date);
      expect(info?.networkIps[h.network]).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect((await h.runtime.inspectContainer(spec.name))?.id).toBe(id);
    });

    it('stop: the engine exits gracefully (one daemon keeps the container); stopping again is fine', async () => {
      const spec = await containers.spec(h.image);
      const created = await h.runtime.createContainer(spec);
      const id = await h.runtime.startContainer(created);
      await h.runtime.stopContainer(id, 10);
      const byName = await h.runtime.inspectContainer(spec.name);
      expect(byName).toMatchObject({ state: 'exited', running: false });
      expect(byName?.networkIps[h.network]).toBeUndefined();
      // Kept, stopped (Swarm: the retired task in the service's history), inspectable by its id.
      const info = await h.runtime.inspectContainer(id);
      expect(info).toMatchObject({ id, state: 'exited', running: false });
      // Graceful: ended by SIGTERM (0 from the engine's handler, 143 if it had not installed
      // it yet), not by the SIGKILL after the grace period (137).
      expect(info?.exitCode).toBeTypeOf('number');
      expect(info?.exitCode).not.toBe(137);
      expect(info?.finishedAt).toBeInstanceOf(Date);
      expect(info?.networkIps[h.network]).toBeUndefined();
      await h.runtime.stopContainer(id, 10);
      // A stopped engine starts again (restart keeps nothing else; Swarm runs a new task).
      const again = await h.runtime.startContainer(created);
      expect((await h.runtime.inspectContainer(again))?.running).toBe(true);
      expect((await h.runtime.inspectContainer(spec.name))?.id).toBe(again);
    });

    it('replaceContainer: a stopped engine becomes one of the new spec under its name, not started; start runs it', async () => {
      const spec = await containers.spec(h.image);
      const first = await h.runtime.startContainer(await h.runtime.createContainer(spec));
      await h.runtime.stopContainer(first, 10);
      const replaced = await h.runtime.replaceContainer(first, { ...spec, image: h.patchImage, labels: { ...spec.labels, 'com.galaxy.image_ref': h.patchImage } });
      const waiting = await h.runtime.inspectContainer(spec.name);
      expect(waiting).toMatchObject({ running: false, labels: { 'com.galaxy.image_ref': h.patchImage } });
      const second = await h.runtime.startContainer(replaced);
      expect(second).not.toBe(first);
      expect(await h.runtime.inspectContainer(spec.name)).toMatchObject({ id: second, running: true, image: h.patchImage });
      // A missing image is refused before anything changes.
      await h.runtime.stopContainer(second, 10);
      expect((await dockerErrorOf(h.runtime.replaceContainer(second, { ...spec, image: h.missingImage }))).kind).toBe('not_found');
    });

    it('a missing container: inspect null, remove fine, start and stop not_found', async () => {
      const missing = `galaxy-game-it-missing-${uniqueSuffix()}`;
      expect(await h.runtime.inspectContainer(missing)).toBeNull();
      await h.runtime.removeContainer(missing);
      await h.runtime.removeContainer(missing, { force: true });
      expect((await dockerErrorOf(h.runtime.startContainer(missing))).kind).toBe('not_found');
      expect((await dockerErrorOf(h.runtime.stopContainer(missing, 1))).kind).toBe('not_found');
    });

    it('remove: a running container needs force; then it is gone', async () => {
      const spec = await containers.spec(h.image);
      const id = await h.runtime.startContainer(await h.runtime.createContainer(spec));
      expect((await dockerErrorOf(h.runtime.removeContainer(id))).kind).toBe('conflict');
      expect((await h.runtime.inspectContainer(id))?.running).toBe(true);
      await h.runtime.removeContainer(id, { force: true });
      expect(await h.runtime.inspectContainer(id)).toBeNull();
    });

    it('listOwnedContainers: owned ones in any state, never unowned ones', async () => {
      const running = await containers.spec(h.image);
      const created = await containers.spec(h.image);
      const foreign = await containers.spec(h.image, { owned: false });
      const runningId = await h.runtime.startContainer(await h.runtime.createContainer(running));
      const createdId = await h.runtime.createContainer(created);
      const foreignId = await h.runtime.createContainer(foreign);

      const owned = await h.runtime.listOwnedContainers();
      const byId = new Map(owned.map((c) => [c.id, c]));
      expect(byId.get(runningId)).toMatchObject({ name: running.name, state: 'running' });
      expect(byId.get(runningId)?.labels).toMatchObject(running.labels);
      expect(byId.get(runningId)?.createdAt).toBeInstanceOf(Date);
      expect(byId.get(createdId)).toMatchObject({ name: created.name, state: 'created' });
      expect(byId.has(foreignId)).toBe(false);
      for (const c of owned) expect(c.labels[OWNER_LABEL]).toBe(OWNER_VALUE);
    });

    it('events: create, start, die, destroy of an owned container, in order; nothing of an unowned one', async () => {
      const sinceSeconds = Date.now() / 1000 - 1;
      const feed = collectEvents(h.runtime, sinceSeconds);
      try {
        const foreign = await containers.spec(h.image, { owned: false });
        const foreignId = await h.runtime.createContainer(foreign);
        await h.runtime.removeContainer(foreignId, { force: true });

        const spec = await containers.spec(h.image);
        const id = await h.runtime.startContainer(await h.runtime.createContainer(spec));
        await h.runtime.removeContainer(id, { force: true });

        await eventually(() => (feed.of(id).some((e) => e.action === 'destroy') ? true : undefined), { message: 'no destroy event' });
        const mine = feed.of(id);
        const lifecycle = mine.map((e) => e.action).filter((a) => a === 'create' || a === 'start' || a === 'die' || a === 'destroy');
        expect(lifecycle).toEqual(['create', 'start', 'die', 'destroy']);
        for (const e of mine) {
          expect(e.labels[GAME_ID_LABEL]).toBe(spec.gameId);
          expect(e.labels[OWNER_LABEL]).toBe(OWNER_VALUE);
          expect(typeof e.timeNano).toBe('bigint');
        }
        const die = mine.find((e) => e.action === 'die');
        // One daemon kills it (137); Swarm shuts the task down and may remove it before a poll sees its code.
        if (h.forceRemoveKills) expect(die?.exitCode).toBe(137);
        else expect(die?.exitCode === null || typeof die?.exitCode === 'number').toBe(true);
        const times = mine.map((e) => e.timeNano);
        expect([...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(times);
        expect(feed.of(foreignId)).toEqual([]);
        for (const e of feed.events) expect(e.labels[OWNER_LABEL]).toBe(OWNER_VALUE);
      } finally {
        await feed.stop();
      }
      expect(feed.failure).toBeNull();
    });

    it('events: aborting the signal ends an idle iteration', async () => {
      const feed = collectEvents(h.runtime);
      const started = Date.now();
      await feed.stop();
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(feed.failure).toBeNull();
    });

    describe('engine output (issue 22)', () => {
      const started = async () => {
        const spec = await containers.spec(h.image);
        const id = await h.runtime.startContainer(await h.runtime.createContainer(spec));
        return { spec, id };
      };
      const read = async (id: string, query: { tail: number; follow?: boolean; signal?: AbortSignal }) => {
        const out: EngineLogLine[] = [];
        const batches = await h.runtime.containerLogs(id, { follow: false, signal: new AbortController().signal, ...query });
        for await (const batch of batches) {
          expect(batch.length).toBeGreaterThan(0);
          out.push(...batch);
        }
        return out;
      };

      it('containerLogs: what the engine printed, timestamped per stream; tail bounds it; a missing container is not_found', async () => {
        const { id } = await started();
        // The engine prints a few lines as it starts: wait until two reads agree, so that the
        // tail below is read from the same output (a first read could catch only its first line).
        let previous: EngineLogLine[] = [];
        const lines = await eventually(async () => {
          const got = await read(id, { tail: 100 });
          const settled = got.length > 0 && JSON.stringify(got) === JSON.stringify(previous);
          previous = got;
          return settled ? got : undefined;
        });
        for (const l of lines) {
          expect(l.ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);
          expect(['stdout', 'stderr']).toContain(l.stream);
          expect(l.line).not.toContain('\n');
        }
        expect(await read(id, { tail: 1 })).toEqual(lines.slice(-1));
        expect((await dockerErrorOf(h.runtime.containerLogs(`rtm-missing-${uniqueSuffix()}`, { tail: 1, follow: false, signal: new AbortController().signal }))).kind).toBe('not_found');
      });

      it('containerLogs of a stopped engine: its output is kept until it is removed', async () => {
        const { id } = await started();
        const before = await eventually(async () => {
          const got = await read(id, { tail: 100 });
          return got.length > 0 ? got : undefined;
        });
        await h.runtime.stopContainer(id, 10);
        const after = await read(id, { tail: 100 });
        expect(after).toEqual(expect.arrayContaining([before[0]]));
      });

      it('containerLogs with follow: ends when the signal aborts', async () => {
        const { id } = await started();
        const controller = new AbortController();
        const reading = read(id, { tail: 1, follow: true, signal: controller.signal });
        controller.abort();
        await reading;
      });

      it('containerStats and updateContainer: a sample with the limits; memory changed in place (or conflict where unsupported)', async () => {
        const { spec, id } = await started();
        if (!h.liveUsage) {
          expect((await dockerErrorOf(h.runtime.containerStats(id, { oneShot: true }))).kind).toBe('conflict');
          expect((await dockerErrorOf(h.runtime.updateContainer(id, { memoryBytes: 256 * 1024 ** 2 }))).kind).toBe('conflict');
          return;
        }
        const sample = await h.runtime.containerStats(id, { oneShot: false });
        expect(sample?.memoryLimitBytes).toBe(spec.limits.memoryBytes);
        expect(sample?.pidsLimit).toBe(spec.limits.pidsLimit);
        expect(sample?.memoryBytes).toBeGreaterThan(0);
        expect(sample?.pids).toBeGreaterThan(0);
        expect((await h.runtime.containerStats(id, { oneShot: true }))?.previousCpu).toBeNull();
        await h.runtime.updateContainer(id, { memoryBytes: 256 * 1024 ** 2, pidsLimit: 100 });
        const after = await h.runtime.containerStats(id, { oneShot: true });
        expect(after?.memoryLimitBytes).toBe(256 * 1024 ** 2);
        expect(after?.pidsLimit).toBe(100);
        expect((await h.runtime.inspectContainer(id))?.running).toBe(true);
        expect(await h.runtime.containerStats(`rtm-missing-${uniqueSuffix()}`, { oneShot: true })).toBeNull();
        expect((await dockerErrorOf(h.runtime.updateContainer(`rtm-missing-${uniqueSuffix()}`, { pidsLimit: 10 }))).kind).toBe('not_found');
      });
    });
  });
}
