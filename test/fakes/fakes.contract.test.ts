// Every fake of this folder against the contract suite its real adapter passes (unit
// project; the real adapters run the same suites in test/adapters).
import { describeContainerIntentsContract } from '../adapters/memory/container-intents.contract.js';
import {
  describeHealthEventPublisherContract,
  describeJobResultPublisherContract,
  describeNotificationIntentPublisherContract,
  type PublisherWorld,
} from '../adapters/redis/publishers.contract.js';
import { describeMetricsContract } from '../adapters/telemetry/metrics.contract.js';
import { RecordingContainerIntents } from '../services/support/lifecycle-harness.js';
import { FakeDockerRuntime } from './docker-runtime.fake.js';
import { FakeMetrics } from './misc.fake.js';
import { FakeHealthEventPublisher, FakeJobResultPublisher, FakeNotificationIntentPublisher } from './publishers.fake.js';

function fakeWorld<T, P extends { published: T[]; down: Error | null }>(publisher: P): PublisherWorld<P, T> {
  return {
    publisher,
    readBack: async () => structuredClone(publisher.published),
    breakSink: async () => {
      publisher.down = new Error('Connection is closed.');
    },
    teardown: async () => {},
  };
}

describeJobResultPublisherContract('FakeJobResultPublisher', async () => fakeWorld(new FakeJobResultPublisher()));
describeHealthEventPublisherContract('FakeHealthEventPublisher', async () => fakeWorld(new FakeHealthEventPublisher()));
describeNotificationIntentPublisherContract('FakeNotificationIntentPublisher', async () => fakeWorld(new FakeNotificationIntentPublisher()));

describeMetricsContract('FakeMetrics', () => {
  const metrics = new FakeMetrics();
  const count = <T>(list: T[], match: (x: T) => boolean) => list.filter(match).length;
  return {
    metrics,
    read: {
      operations: async (opKind, outcome) => count(metrics.operations, (o) => o.opKind === opKind && o.outcome === outcome),
      operationsFrom: async (opKind, opSource) => count(metrics.operations, (o) => o.opKind === opKind && o.opSource === opSource),
      durations: async (opKind) => {
        const of = metrics.operations.filter((o) => o.opKind === opKind);
        return { count: of.length, sum: of.reduce((s, o) => s + o.seconds, 0) };
      },
      healthEvents: async (type) => count(metrics.healthEvents, (t) => t === type),
      droppedHealthEvents: async (type) => count(metrics.droppedHealthEvents, (t) => t === type),
      streamLag: async (consumer) => metrics.lagOf(consumer),
      rejected: async (consumer, reason) => count(metrics.rejected, (r) => r.consumer === consumer && r.reason === reason),
      jobRetries: async (jobKind) => count(metrics.jobRetries, (k) => k === jobKind),
      operationFailures: async (opKind, code) => count(metrics.operations, (o) => o.outcome === 'failure' && o.opKind === opKind && o.errorCode === code),
      httpRequests: async (method, route, status) => {
        const of = metrics.httpRequests.filter((r) => r.method === method && r.route === route && r.statusCode === status);
        return { count: of.length, sum: of.reduce((s, r) => s + r.durationSeconds, 0) };
      },
      dockerCalls: async (operation) => count(metrics.dockerCalls, (c) => c.operation === operation),
      dockerErrors: async (operation, reason) => count(metrics.dockerCalls, (c) => c.operation === operation && c.errorReason === reason),
      eventsConnected: async () => (metrics.eventsConnected ? 1 : 0),
      eventsReconnects: async () => metrics.eventsReconnects,
      reconcileActions: async (kind) => count(metrics.reconcileActions, (k) => k === kind),
      leaseConflicts: async (opKind) => count(metrics.leaseConflicts, (k) => k === opKind),
      workerInterval: async (worker) => metrics.workers.get(worker)?.intervalSeconds,
      workerLastSuccess: async (worker) => metrics.workers.get(worker)?.lastSuccess,
      workerRounds: async (worker, outcome) => count(metrics.workers.get(worker)?.rounds ?? [], (r) => r.ok === (outcome === 'success')),
    },
  };
});

describeContainerIntentsContract('RecordingContainerIntents', ({ ttlMs, now }) => new RecordingContainerIntents(new FakeDockerRuntime(), { ttlMs, now }));
