// The shared consumer engine, driven through the start-jobs config with recording fakes.
import { afterEach, describe, expect, it } from 'vitest';
import { failed, succeeded } from '../../../src/domain/operation-result.js';
import type { StartRuntime } from '../../../src/workers/job-consumer/lobby-jobs.js';
import { startJobs, type StartJob } from '../../../src/workers/job-consumer/lobby-jobs.js';
import { StreamJobConsumer, type JobConsumerSettings } from '../../../src/workers/job-consumer/stream-job-consumer.js';
import { eventually } from '../../support/test-env.js';
import {
  ConsumerWorld,
  START_STREAM,
  ScriptedService,
  deferred,
  runningRecord,
  startJobFields,
  testSettings,
} from './consumer-harness.js';

type StartInput = Parameters<StartRuntime['execute']>[0];

const fast = { intervalMs: 5, timeoutMs: 5_000 };
const running: StreamJobConsumer<StartJob>[] = [];

function consumerFor(world: ConsumerWorld, service: ScriptedService<StartInput>, overrides: Partial<JobConsumerSettings> = {}): StreamJobConsumer<StartJob> {
  const consumer = new StreamJobConsumer(world.deps(), startJobs(service), testSettings(START_STREAM, overrides));
  running.push(consumer);
  return consumer;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

describe('StreamJobConsumer: offsets', () => {
  it('starts at the beginning of the stream when no offset is stored', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    const first = world.reader.add(START_STREAM, startJobFields('early-1'));
    const second = world.reader.add(START_STREAM, startJobFields('early-2'));

    consumerFor(world, service).start();

    await eventually(() => (world.offsets.offsets.get('start_jobs') === second ? true : undefined), fast);
    expect(service.calledGames).toEqual(['early-1', 'early-2']);
    expect(world.results.published.map((r) => r.jobId)).toEqual([first, second]);
  });

  it('resumes after the stored offset', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    const done = world.reader.add(START_STREAM, startJobFields('done-before'));
    world.offsets.offsets.set('start_jobs', done);
    const next = world.reader.add(START_STREAM, startJobFields('after-restart'));

    consumerFor(world, service).start();

    await eventually(() => (world.offsets.offsets.get('start_jobs') === next ? true : undefined), fast);
    expect(service.calledGames).toEqual(['after-restart']);
  });

  it('a job answered before a crash (published, offset not yet saved) is neither run nor answered again', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    const answered = world.reader.add(START_STREAM, startJobFields('answered-before'));
    const next = world.reader.add(START_STREAM, startJobFields('not-yet'));
    // The previous leader published the first result and died before saving the offset.
    await world.results.publish({ gameId: 'answered-before', jobKind: 'start', jobId: answered, outcome: 'success', errorCode: null, errorMessage: null, containerId: 'c', engineEndpoint: null, imageRef: null, completedAt: new Date() });

    consumerFor(world, service).start();

    await eventually(() => (world.offsets.offsets.get('start_jobs') === next ? true : undefined), fast);
    expect(service.calledGames).toEqual(['not-yet']);
    expect(world.results.published.map((r) => r.jobId)).toEqual([answered, next]);
  });

  it('publishes each result before saving the offset past it', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    const consumer = consumerFor(world, service, { concurrency: 1 });
    consumer.start();

    const ids = ['g-1', 'g-2', 'g-3'].map((g) => world.reader.add(START_STREAM, startJobFields(g)));
    await eventually(() => (world.offsets.offsets.get('start_jobs') === ids[2] ? true : undefined), fast);

    for (const id of ids) {
      const published = world.log.effects.indexOf(`publish ${id}`);
      const saved = world.log.effects.indexOf(`save ${id}`);
      expect(published).toBeGreaterThanOrEqual(0);
      // A save of this id, if it happened (saves may coalesce), comes after its publish.
      if (saved >= 0) expect(saved).toBeGreaterThan(published);
    }
    // Every save names an entry whose result (and every earlier result) was already published.
    for (const [i, effect] of world.log.effects.entries()) {
      if (!effect.startsWith('save ')) continue;
      const id = effect.slice(5);
      const earlier = world.log.effects.slice(0, i);
      for (const upTo of ids.slice(0, ids.indexOf(id) + 1)) expect(earlier).toContain(`publish ${upTo}`);
    }
  });

  it('only persists the highest contiguous completed id while later jobs finish first', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    const slowGate = deferred();
    service.respond = async (input) => {
      if (input.gameId === 'slow') await slowGate.promise;
      return succeeded(runningRecord(input.gameId, input.imageRef));
    };
    const slow = world.reader.add(START_STREAM, startJobFields('slow'));
    const quick1 = world.reader.add(START_STREAM, startJobFields('quick-1'));
    const quick2 = world.reader.add(START_STREAM, startJobFields('quick-2'));

    consumerFor(world, service).start();
    await eventually(() => (world.results.byJob(quick2) && world.results.byJob(quick1) ? true : undefined), fast);

    // Later jobs are done, but the slow first one is not: the offset must not move past it.
    expect(world.offsets.offsets.get('start_jobs')).toBeUndefined();
    expect(world.results.byJob(slow)).toBeUndefined();

    slowGate.resolve();
    await eventually(() => (world.offsets.offsets.get('start_jobs') === quick2 ? true : undefined), fast);
    expect(world.log.effects.filter((e) => e.startsWith('save '))).not.toContain(`save ${quick1}`);
  });
});

describe('StreamJobConsumer: concurrency', () => {
  it('keeps stream order for one game while other games run concurrently', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    const gateA1 = deferred();
    let a1Seen = false;
    service.respond = async (input) => {
      if (input.gameId === 'game-a' && !a1Seen) {
        a1Seen = true;
        await gateA1.promise;
      }
      return succeeded(runningRecord(input.gameId, input.imageRef));
    };
    const a1 = world.reader.add(START_STREAM, startJobFields('game-a', 'galaxy/game:1.0.0'));
    const a2 = world.reader.add(START_STREAM, startJobFields('game-a', 'galaxy/game:1.0.1'));
    const b1 = world.reader.add(START_STREAM, startJobFields('game-b'));

    consumerFor(world, service).start();

    // B completes while A's first job is held; A's second job has not even started.
    await eventually(() => world.results.byJob(b1), fast);
    expect(service.calls.map((c) => `${c.gameId}@${c.imageRef}`)).toEqual(['game-a@galaxy/game:1.0.0', 'game-b@galaxy/game:1.0.0']);

    gateA1.resolve();
    await eventually(() => world.results.byJob(a2), fast);
    const aCalls = service.calls.filter((c) => c.gameId === 'game-a').map((c) => c.imageRef);
    expect(aCalls).toEqual(['galaxy/game:1.0.0', 'galaxy/game:1.0.1']);
    const order = world.results.published.map((r) => r.jobId);
    expect(order.indexOf(a1)).toBeLessThan(order.indexOf(a2));
  });

  it('runs at most `concurrency` jobs at once', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    const gate = deferred();
    let active = 0;
    let peak = 0;
    service.respond = async (input) => {
      active += 1;
      peak = Math.max(peak, active);
      await gate.promise;
      active -= 1;
      return succeeded(runningRecord(input.gameId, input.imageRef));
    };
    const ids = ['c1', 'c2', 'c3', 'c4', 'c5'].map((g) => world.reader.add(START_STREAM, startJobFields(g)));

    consumerFor(world, service, { concurrency: 2 }).start();
    await eventually(() => (service.calls.length === 2 ? true : undefined), fast);
    expect(service.calledGames).toEqual(['c1', 'c2']);

    gate.resolve();
    await eventually(() => (world.offsets.offsets.get('start_jobs') === ids[4] ? true : undefined), fast);
    expect(peak).toBe(2);
    expect(service.calls).toHaveLength(5);
  });
});

describe('StreamJobConsumer: backpressure', () => {
  it('stops reading while a stuck head entry holds too many entries uncommitted, and resumes after it', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    const gate = deferred();
    service.respond = async (input) => {
      if (input.gameId === 'stuck') await gate.promise;
      return succeeded(runningRecord(input.gameId, input.imageRef));
    };
    let reads = 0;
    const readAfter = world.reader.readAfter.bind(world.reader);
    world.reader.readAfter = (...args) => {
      reads += 1;
      return readAfter(...args);
    };
    world.reader.add(START_STREAM, startJobFields('stuck'));
    const ids = Array.from({ length: 11 }, (_, i) => world.reader.add(START_STREAM, startJobFields(`other-${i}`)));

    // batchSize 2, concurrency 2 → at most max(2, 2×4) = 8 entries read and uncommitted.
    consumerFor(world, service, { batchSize: 2, concurrency: 2, blockMs: 10 }).start();
    await eventually(() => (world.results.published.length === 7 ? true : undefined), fast);
    const readsAtCap = reads;
    // Nothing signals "not reading": watch a quiet window of several block periods.
    await new Promise((r) => setTimeout(r, 150));
    expect(reads).toBe(readsAtCap);
    expect(service.calls).toHaveLength(8);

    gate.resolve();
    await eventually(() => (world.offsets.offsets.get('start_jobs') === ids[10] ? true : undefined), fast);
    expect(service.calls).toHaveLength(12);
  });
});

describe('StreamJobConsumer: infrastructure failures', () => {
  it('retries the same entry while publishing fails, reports a problem, and clears it', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    const gate = deferred();
    service.respond = async (input) => {
      await gate.promise;
      return succeeded(runningRecord(input.gameId, input.imageRef));
    };
    world.results.failTimes = 3;
    const consumer = consumerFor(world, service, { backoff: { initialMs: 20, maxMs: 40 } });
    const id = world.reader.add(START_STREAM, startJobFields('flaky'));
    const later = world.reader.add(START_STREAM, startJobFields('flaky'));
    consumer.start();
    expect(consumer.problem()).toBeNull();
    gate.resolve();

    const problem = await eventually(() => consumer.problem() ?? undefined, fast);
    expect(problem).toContain('start_jobs');
    expect(problem).toContain('publish failed');

    await eventually(() => (world.offsets.offsets.get('start_jobs') === later ? true : undefined), fast);
    expect(consumer.problem()).toBeNull();
    expect(world.results.attempts).toBe(5); // 3 failures + 2 successes
    // The service ran once per job: its result was kept for the publish retries, so the
    // first job's real outcome (success, no replay) is what Lobby sees.
    expect(service.calls).toHaveLength(2);
    expect(world.results.byJob(id)).toMatchObject({ outcome: 'success', errorCode: null });
  });

  it('answers internal_error (not recorded by the consumer) when the service keeps throwing, and moves on', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    service.respond = async (input) => {
      if (input.gameId === 'buggy') throw new TypeError("cannot read properties of undefined (reading 'id')");
      return succeeded(runningRecord(input.gameId, input.imageRef));
    };
    const bug = world.reader.add(START_STREAM, startJobFields('buggy'));
    const next = world.reader.add(START_STREAM, startJobFields('buggy-next'));
    consumerFor(world, service, { maxThrows: 3 }).start();

    await eventually(() => (world.offsets.offsets.get('start_jobs') === next ? true : undefined), fast);
    expect(service.calledGames.filter((g) => g === 'buggy')).toHaveLength(3);
    expect(world.results.byJob(bug)).toMatchObject({ outcome: 'failure', errorCode: 'internal_error', errorMessage: expect.stringContaining('reading') });
    expect(world.results.byJob(next)).toMatchObject({ outcome: 'success' });
  });

  it('retries the same entry when the service throws, never skipping it', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    let throws = 2;
    service.respond = async (input) => {
      if (throws-- > 0) throw new Error('connection terminated unexpectedly');
      return succeeded(runningRecord(input.gameId, input.imageRef));
    };
    const consumer = consumerFor(world, service);
    const id = world.reader.add(START_STREAM, startJobFields('pg-blip'));
    consumer.start();

    await eventually(() => (world.offsets.offsets.get('start_jobs') === id ? true : undefined), fast);
    expect(service.calledGames).toEqual(['pg-blip', 'pg-blip', 'pg-blip']);
    expect(world.results.published).toHaveLength(1);
    expect(consumer.problem()).toBeNull();
  });

  it('backs off when reading fails and continues from the same position', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    const first = world.reader.add(START_STREAM, startJobFields('r-1'));
    world.reader.failNextRead = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    const consumer = consumerFor(world, service);
    consumer.start();

    await eventually(() => (world.offsets.offsets.get('start_jobs') === first ? true : undefined), fast);
    expect(service.calledGames).toEqual(['r-1']);
    expect(consumer.problem()).toBeNull();
  });

  it('reports a problem while the offset cannot be saved and saves it once Redis is back', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    const consumer = consumerFor(world, service);
    world.offsets.failingSaves = new Error('redis unreachable');
    consumer.start();
    const id = world.reader.add(START_STREAM, startJobFields('o-1'));

    const problem = await eventually(() => consumer.problem() ?? undefined, fast);
    expect(problem).toMatch(/offset.*redis unreachable/);
    expect(world.results.byJob(id)).toBeDefined();
    const attempts = world.offsets.saveAttempts;
    await eventually(() => (world.offsets.saveAttempts > attempts ? true : undefined), fast);

    world.offsets.failingSaves = null;
    await eventually(() => (world.offsets.offsets.get('start_jobs') === id ? true : undefined), fast);
    expect(consumer.problem()).toBeNull();
  });

  it('waits for Redis when the stored offset cannot be loaded, then starts from it', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    const done = world.reader.add(START_STREAM, startJobFields('old-job'));
    const next = world.reader.add(START_STREAM, startJobFields('new-job'));
    world.offsets.offsets.set('start_jobs', done);
    world.offsets.failing = new Error('connect ECONNREFUSED');
    const consumer = consumerFor(world, service);
    consumer.start();

    expect(await eventually(() => consumer.problem() ?? undefined, fast)).toContain('ECONNREFUSED');
    expect(service.calls).toHaveLength(0);

    world.offsets.failing = null;
    await eventually(() => (world.offsets.offsets.get('start_jobs') === next ? true : undefined), fast);
    // Never fell back to the beginning while the offset was unknown.
    expect(service.calledGames).toEqual(['new-job']);
    expect(consumer.problem()).toBeNull();
  });

  it('publishes a service failure result as the outcome (not an infrastructure fault)', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    service.respond = async () => failed('image_pull_failed', 'pull access denied for galaxy/game');
    const id = world.reader.add(START_STREAM, startJobFields('no-image', 'galaxy/game:9.9.9'));
    const consumer = consumerFor(world, service);
    consumer.start();

    await eventually(() => (world.offsets.offsets.get('start_jobs') === id ? true : undefined), fast);
    expect(service.calls).toHaveLength(1);
    expect(world.results.byJob(id)).toMatchObject({
      outcome: 'failure',
      errorCode: 'image_pull_failed',
      errorMessage: 'pull access denied for galaxy/game',
      containerId: null,
      engineEndpoint: null,
      imageRef: 'galaxy/game:9.9.9',
    });
    expect(consumer.problem()).toBeNull();
  });
});

describe('StreamJobConsumer: conflicts', () => {
  it('retries a conflict (lease held by a concurrent operation) and publishes the later outcome', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    let conflicts = 2;
    service.respond = async (input) =>
      conflicts-- > 0 ? failed('conflict', 'another operation holds the lease', null, true) : succeeded(runningRecord(input.gameId, input.imageRef));
    const id = world.reader.add(START_STREAM, startJobFields('busy'));
    consumerFor(world, service).start();

    await eventually(() => world.results.byJob(id), fast);
    expect(service.calls).toHaveLength(3);
    expect(world.results.byJob(id)).toMatchObject({ outcome: 'success', errorCode: null });
  });

  // Issue 9 item 1: a retryable outcome no longer ends the job after a window; only a job
  // older than RTMANAGER_JOB_MAX_AGE is answered, by one final call that records its outcome.
  it('keeps retrying a lease conflict until the job is older than the max age, then answers it with one recorded call', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    service.respond = async () => failed('conflict', 'another operation holds the lease', null, true);
    const id = world.reader.add(START_STREAM, startJobFields('held-long'));
    consumerFor(world, service, { maxAgeMs: 60_000, backoff: { initialMs: 1, maxMs: 2 } }).start();

    await eventually(() => (service.calls.length > 3 ? true : undefined), fast);
    expect(world.results.published).toHaveLength(0);
    expect(world.offsets.offsets.get('start_jobs')).toBeUndefined();
    expect(service.contexts.every((c) => c.deferRetryable === true)).toBe(true);

    world.clock.advance(60_000); // the entry (appended at the stream's "now") is now 60 s old
    await eventually(() => (world.offsets.offsets.get('start_jobs') === id ? true : undefined), fast);
    expect(world.results.byJob(id)).toMatchObject({ outcome: 'failure', errorCode: 'conflict' });
    const last = service.contexts.at(-1);
    expect(last).toEqual({ retries: service.calls.length - 1, deferRetryable: false });
    expect(service.contexts.filter((c) => c.deferRetryable === false)).toHaveLength(1);
    expect(world.metrics.jobRetries).toHaveLength(service.calls.length - 1);
  });

  it('without a max age, waits out any outage: nothing is answered while results stay retryable', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    let outage = true;
    service.respond = async (input) => (outage ? failed('service_unavailable', 'postgres down') : succeeded(runningRecord(input.gameId, input.imageRef)));
    const id = world.reader.add(START_STREAM, startJobFields('long-outage'));
    consumerFor(world, service, { backoff: { initialMs: 1, maxMs: 2 } }).start();

    await eventually(() => (service.calls.length > 3 ? true : undefined), fast);
    world.clock.advance(365 * 24 * 3600_000); // a year: still no give-up without RTMANAGER_JOB_MAX_AGE
    const calls = service.calls.length;
    await eventually(() => (service.calls.length > calls + 2 ? true : undefined), fast);
    expect(world.results.published).toHaveLength(0);

    outage = false;
    await eventually(() => (world.offsets.offsets.get('start_jobs') === id ? true : undefined), fast);
    expect(world.results.published.map((r) => [r.jobId, r.outcome])).toEqual([[id, 'success']]);
    expect(service.contexts.at(-1)).toMatchObject({ retries: service.calls.length - 1, deferRetryable: true });
  });

  it('publishes a conflict of state (another image running) at once, without retrying', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    service.respond = async (input) => failed('conflict', 'runtime runs another image', runningRecord(input.gameId, 'galaxy/game:2.0.0'));
    const id = world.reader.add(START_STREAM, startJobFields('clash'));
    consumerFor(world, service, { backoff: { initialMs: 1, maxMs: 2 } }).start();

    await eventually(() => (world.offsets.offsets.get('start_jobs') === id ? true : undefined), fast);
    expect(service.calls).toHaveLength(1);
    expect(world.results.byJob(id)).toMatchObject({
      outcome: 'failure',
      errorCode: 'conflict',
      containerId: 'cid-clash',
      imageRef: 'galaxy/game:2.0.0',
    });
  });
});

describe('StreamJobConsumer: other transient results', () => {
  it('retries service_unavailable and docker_unavailable results before publishing', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    const answers = [failed('service_unavailable', 'redis down'), failed('docker_unavailable', 'daemon restarting')];
    service.respond = async (input) => answers.shift() ?? succeeded(runningRecord(input.gameId, input.imageRef));
    const id = world.reader.add(START_STREAM, startJobFields('blip'));
    consumerFor(world, service).start();

    await eventually(() => world.results.byJob(id), fast);
    expect(service.calls).toHaveLength(3);
    expect(world.results.published).toHaveLength(1);
    expect(world.results.byJob(id)).toMatchObject({ outcome: 'success' });
  });

  it('does not keep a transient result across a failed publish: the job is rerun', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    let first = true;
    service.respond = async (input) => {
      if (first) {
        first = false;
        return failed('service_unavailable', 'lease store unreachable');
      }
      return succeeded(runningRecord(input.gameId, input.imageRef));
    };
    world.results.failTimes = 1;
    const id = world.reader.add(START_STREAM, startJobFields('outage'));
    consumerFor(world, service, { backoff: { initialMs: 1, maxMs: 1 } }).start();

    await eventually(() => (world.offsets.offsets.get('start_jobs') === id ? true : undefined), fast);
    expect(service.calls).toHaveLength(2);
    expect(world.results.published.map((r) => [r.jobId, r.outcome])).toEqual([[id, 'success']]);
  });

  it('abandons a job still getting transient results when stopped (it replays on the next start)', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    service.respond = async () => failed('conflict', 'another operation on the game is in progress', null, true);
    world.reader.add(START_STREAM, startJobFields('held'));
    const consumer = consumerFor(world, service, { backoff: { initialMs: 20, maxMs: 20 } });
    consumer.start();
    await eventually(() => (service.calls.length >= 2 ? true : undefined), fast);

    await consumer.stop();

    expect(world.results.published).toHaveLength(0);
    expect(world.offsets.offsets.get('start_jobs')).toBeUndefined();
  });
});

describe('StreamJobConsumer: crash and stop', () => {
  for (const ledger of [true, false]) {
    it(`a job whose result was published but whose offset was not saved: ${ledger ? 'with the answers ledger, answered once' : 'without a ledger, replayed as a no-op'}`, async () => {
      const world = new ConsumerWorld();
      const deps = world.deps();
      if (!ledger) delete deps.answers;
      // An idempotent service: a second start of a running game is a replay no-op.
      const started = new Map<string, string>();
      const service = new ScriptedService<StartInput>();
      service.respond = async (input) => {
        const replay = started.get(input.gameId) === input.imageRef;
        started.set(input.gameId, input.imageRef);
        return succeeded(runningRecord(input.gameId, input.imageRef), replay);
      };
      const id = world.reader.add(START_STREAM, startJobFields('crashy'));
      world.offsets.failingSaves = new Error('redis went away'); // "crash" between publish and save
      const consumer = () => {
        const c = new StreamJobConsumer(deps, startJobs(service), testSettings(START_STREAM));
        running.push(c);
        return c;
      };

      const first = consumer();
      first.start();
      await eventually(() => world.results.byJob(id), fast);
      await first.stop();
      expect(world.offsets.offsets.get('start_jobs')).toBeUndefined();

      world.offsets.failingSaves = null;
      consumer().start();
      await eventually(() => (world.offsets.offsets.get('start_jobs') === id ? true : undefined), fast);

      expect(world.results.published.map((r) => [r.jobId, r.outcome, r.errorCode])).toEqual(
        ledger ? [[id, 'success', null]] : [[id, 'success', null], [id, 'success', 'replay_no_op']],
      );
      expect(service.calledGames).toEqual(ledger ? ['crashy'] : ['crashy', 'crashy']);
    });
  }

  it('stop() lets the in-flight job finish and saves its offset; queued jobs wait for the next run', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    const gate = deferred();
    service.respond = async (input) => {
      await gate.promise;
      return succeeded(runningRecord(input.gameId, input.imageRef));
    };
    const inFlight = world.reader.add(START_STREAM, startJobFields('same-game'));
    const queued = world.reader.add(START_STREAM, startJobFields('same-game'));
    const consumer = consumerFor(world, service);
    consumer.start();
    await eventually(() => (service.calls.length === 1 ? true : undefined), fast);

    const stopping = consumer.stop();
    gate.resolve();
    await stopping;

    expect(world.results.byJob(inFlight)).toBeDefined();
    expect(world.results.byJob(queued)).toBeUndefined();
    expect(service.calls).toHaveLength(1);
    expect(world.offsets.offsets.get('start_jobs')).toBe(inFlight);
  });

  it('stop() returns within the shutdown timeout when a job hangs, and does not save past it', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    service.respond = () => new Promise(() => {}); // never settles
    world.reader.add(START_STREAM, startJobFields('hung'));
    const consumer = consumerFor(world, service, { shutdownTimeoutMs: 100 });
    consumer.start();
    await eventually(() => (service.calls.length === 1 ? true : undefined), fast);

    const began = Date.now();
    await consumer.stop();

    expect(Date.now() - began).toBeLessThan(1_000);
    expect(world.offsets.offsets.get('start_jobs')).toBeUndefined();
    expect(world.results.published).toHaveLength(0);
  });

  it('stop() aborts a blocking read at once', async () => {
    const world = new ConsumerWorld();
    const consumer = consumerFor(world, new ScriptedService<StartInput>(), { blockMs: 30_000 });
    consumer.start();
    // Let the loop reach its blocking read.
    await new Promise((r) => setImmediate(r));
    const began = Date.now();
    await consumer.stop();
    expect(Date.now() - began).toBeLessThan(1_000);
  });
});

describe('StreamJobConsumer: stream lag', () => {
  it('is the age of the oldest unanswered job at each read: it grows while the job retries, and is 0 once answered', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    let outage = true;
    service.respond = async (input) => (outage ? failed('service_unavailable', 'postgres down') : succeeded(runningRecord(input.gameId, input.imageRef)));
    const id = world.reader.add(START_STREAM, startJobFields('lagging'));
    world.clock.advance(7_500);
    const consumer = consumerFor(world, service, { backoff: { initialMs: 1, maxMs: 2 } });
    expect(world.metrics.lagOf('start_jobs')).toBe(0); // nothing read yet
    consumer.start();

    await eventually(() => (service.calls.length > 2 ? true : undefined), fast);
    expect(world.metrics.lagOf('start_jobs')).toBe(7.5);
    world.clock.advance(60_000); // the job keeps retrying: its lag keeps growing
    expect(world.metrics.lagOf('start_jobs')).toBe(67.5);
    expect(world.results.published).toHaveLength(0);

    outage = false;
    await eventually(() => (world.offsets.offsets.get('start_jobs') === id ? true : undefined), fast);
    expect(world.metrics.lagOf('start_jobs')).toBe(0);
    await consumer.stop();
  });

  it('is the oldest unanswered job\'s age even when newer jobs (other games) are answered first', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    const hold = deferred();
    service.respond = async (input) => {
      if (input.gameId === 'slow') await hold.promise;
      return succeeded(runningRecord(input.gameId, input.imageRef));
    };
    world.reader.add(START_STREAM, startJobFields('slow'));
    world.streamNowMs += 10_000;
    const fastId = world.reader.add(START_STREAM, startJobFields('quick'));
    world.clock.advance(30_000);
    const consumer = consumerFor(world, service);
    consumer.start();

    await eventually(() => (world.results.byJob(fastId) ? true : undefined), fast);
    expect(world.metrics.lagOf('start_jobs')).toBe(30); // 'slow', appended 30 s ago, is still open
    hold.resolve();
    await eventually(() => (world.offsets.offsets.get('start_jobs') === fastId ? true : undefined), fast);
    expect(world.metrics.lagOf('start_jobs')).toBe(0);
    await consumer.stop();
  });
});
