// The internal HTTP server wired to the REAL lifecycle services over the in-memory fakes
// (test/services/support/lifecycle-harness.ts), plus `expectConformant`: every response a
// test sees is checked against the OpenAPI schema of its operation and status.
import type { Tracer } from '@opentelemetry/api';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { Writable } from 'node:stream';
import { expect } from 'vitest';
import { rtmInternalContract, type RtmOperationId, type RtmRouteMetadata } from '../../../generated/openapi/contract.js';
import {
  validateDiagnostics,
  validateErrorEnvelope,
  validateHealthzResponse,
  validateMutationResponse,
  validateOperationList,
  validateReadyzResponse,
  validateRuntime,
  validateRuntimeEventLine,
  validateRuntimeList,
  validateRuntimeStats,
  validateLogLine,
  type Validator,
} from '../../../generated/validators/index.js';
import { buildInternalHttpServer, type InternalApiServices } from '../../../src/api/internal-http.server.js';
import { collectDiagnostics } from '../../../src/app/diagnostics.js';
import { RuntimeLogsService } from '../../../src/services/observe/runtime-logs.service.js';
import { RuntimeStatsService } from '../../../src/services/observe/runtime-stats.service.js';
import type { ReadinessReport } from '../../../src/app/readiness.js';
import type { DiagnosticsReport } from '../../../src/ports/diagnostics.js';
import { HTTP_STATUS_BY_ERROR_CODE, type ErrorCode } from '../../../src/domain/error-codes.js';
import type { HealthSnapshot } from '../../../src/domain/health.js';
import { RuntimeEventsFeed } from '../../../src/api/runtime-events.feed.js';
import { FakeRuntimeReadStore } from '../../fakes/runtime-read.fake.js';
import { FakeStreamReader } from '../../fakes/stream-reader.fake.js';
import { FakeHealthSnapshotStore } from '../../fakes/stores.fake.js';
import { createHarness, type Harness, type HarnessOptions } from '../../services/support/lifecycle-harness.js';

const SUCCESS_VALIDATORS: Record<RtmOperationId, Validator<unknown>> = {
  internalListRuntimes: validateRuntimeList,
  internalGetRuntime: validateRuntime,
  internalListRuntimeOperations: validateOperationList,
  internalStartRuntime: validateMutationResponse,
  internalStopRuntime: validateMutationResponse,
  internalRestartRuntime: validateMutationResponse,
  internalPatchRuntime: validateMutationResponse,
  internalCleanupRuntimeContainer: validateMutationResponse,
  internalUpdateRuntimeLimits: validateMutationResponse,
  internalGetRuntimeLogs: validateLogLine,
  internalGetRuntimeStats: validateRuntimeStats,
  internalGetDiagnostics: validateDiagnostics,
  internalTailEvents: validateRuntimeEventLine,
  internalHealthz: validateHealthzResponse,
  internalReadyz: validateReadyzResponse,
};

/** The deployment keys of the two streams in the harness (prefix `h:`). */
export const EVENT_STREAM_KEYS = { 'runtime:health_events': 'h:runtime:health_events', 'runtime:job_results': 'h:runtime:job_results' } as const;

export const ALL_READY: ReadinessReport = {
  ready: true,
  checks: { postgres: { ok: true }, redis: { ok: true }, docker: { ok: true }, network: { ok: true } },
};

/**
 * The response must be one the spec declares for `operationId` (null: a path that is no
 * operation, which must answer the envelope), and its JSON body must validate against
 * that status's schema; error envelopes must carry a code the spec lists for that status
 * and whose contract status is this one. Returns the parsed body.
 */
export function expectConformant(res: LightMyRequestResponse, operationId: RtmOperationId | null): any {
  if (operationId === 'internalGetRuntimeLogs' && res.statusCode === 200) return expectNdjsonLines(res);
  if (operationId === 'internalTailEvents' && res.statusCode === 200) return expectEventLines(res);
  expect(res.headers['content-type'], `content-type of ${res.statusCode} ${res.body}`).toBe('application/json; charset=utf-8');
  const body: unknown = JSON.parse(res.body);
  const where = `${operationId ?? 'no operation'} answered ${res.statusCode} ${res.body}`;
  if (operationId === null) {
    expect(validateErrorEnvelope(body), where).toBe(true);
    return body;
  }
  const route = rtmInternalContract[operationId];
  expect(Object.keys(route.responses).map(Number), `status not declared: ${where}`).toContain(res.statusCode);
  const isSchemaBody = res.statusCode < 400 || operationId === 'internalReadyz';
  if (isSchemaBody) {
    const validator = SUCCESS_VALIDATORS[operationId];
    const ok = validator(body);
    expect(ok, `${where}: ${JSON.stringify(validator.errors)}`).toBe(true);
    return body;
  }
  const ok = validateErrorEnvelope(body);
  expect(ok, `${where}: ${JSON.stringify(validateErrorEnvelope.errors)}`).toBe(true);
  const code = (body as { error: { code: ErrorCode } }).error.code;
  const meta = route.metadata as RtmRouteMetadata;
  expect(meta.errorCodes[res.statusCode] ?? [], `code not declared for this status: ${where}`).toContain(code);
  expect(HTTP_STATUS_BY_ERROR_CODE[code]).toBe(res.statusCode);
  return body;
}

/** An NDJSON answer: its content type, and every line a valid LogLine. Returns the parsed lines. */
function expectNdjsonLines(res: LightMyRequestResponse): unknown[] {
  expect(res.headers['content-type']).toBe('application/x-ndjson');
  const text = res.body;
  expect(text === '' || text.endsWith('\n'), 'every line ends with a newline').toBe(true);
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) => {
      const parsed: unknown = JSON.parse(line);
      expect(validateLogLine(parsed), `${line}: ${JSON.stringify(validateLogLine.errors)}`).toBe(true);
      return parsed;
    });
}

/** GET /events answers NDJSON: every line a RuntimeEventLine. Returns the parsed lines. */
function expectEventLines(res: LightMyRequestResponse): unknown[] {
  expect(res.headers['content-type']).toBe('application/x-ndjson');
  expect(res.body === '' || res.body.endsWith('\n'), res.body).toBe(true);
  const lines = res.body.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
  for (const line of lines) expect(validateRuntimeEventLine(line), `${JSON.stringify(line)}: ${JSON.stringify(validateRuntimeEventLine.errors)}`).toBe(true);
  return lines;
}

/** Captured JSON log lines of the server. */
export class LogCapture extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.lines.push(JSON.parse(line));
    cb();
  }
  text(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }
}

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  payload?: unknown;
}

export interface ApiHarnessOptions extends HarnessOptions {
  tokens?: string[];
  /** Replace some real services with stubs. */
  services?: Partial<InternalApiServices>;
  readiness?: () => Promise<ReadinessReport>;
  diagnostics?: () => Promise<DiagnosticsReport>;
  tracer?: Tracer;
}

export function createApiHarness(opts: ApiHarnessOptions = {}) {
  const h: Harness = createHarness(opts);
  const snapshots = new FakeHealthSnapshotStore();
  const logs = new LogCapture();
  const logger = pino({ level: 'debug' }, logs);
  const tracer = opts.tracer;
  const serviceCalls: Array<{ service: keyof InternalApiServices; input: unknown }> = [];
  const real = h.services;
  const recording = <K extends keyof InternalApiServices>(name: K): InternalApiServices[K] => {
    const target = (opts.services?.[name] ?? real[name]) as { execute(input: unknown): Promise<unknown> };
    return {
      execute: (input: unknown) => {
        serviceCalls.push({ service: name, input });
        return target.execute(input);
      },
    } as InternalApiServices[K];
  };
  // The streams GET /events reads (a deployment prefix, as RTM's keys have one).
  const eventStreams = new FakeStreamReader();
  let metricsBody = '# HELP rtmanager_up 1\n# TYPE rtmanager_up gauge\nrtmanager_up 1\n';
  const app: FastifyInstance = buildInternalHttpServer({
    logger,
    services: {
      start: recording('start'),
      stop: recording('stop'),
      restart: recording('restart'),
      patch: recording('patch'),
      cleanup: recording('cleanup'),
      limits: recording('limits'),
    },
    engineOutput: {
      logs: new RuntimeLogsService({ docker: h.docker, records: h.records, logDriver: 'json-file' }),
      stats: new RuntimeStatsService({ docker: h.docker, records: h.records, clock: h.clock }),
    },
    reads: new FakeRuntimeReadStore(h.records, snapshots),
    operations: h.operationLog,
    snapshots,
    apiTokens: opts.tokens ?? [],
    readiness: opts.readiness ?? (async () => ALL_READY),
    diagnostics:
      opts.diagnostics ??
      (() =>
        collectDiagnostics({
          rtmVersion: '0.0.0-test',
          startedAtMs: Date.now(),
          now: () => Date.now(),
          versions: [{ name: 'docker', version: async () => 'fake' }],
          countByStatus: async () => {
            const counts: Partial<Record<string, number>> = {};
            for (const r of await h.records.list({ limit: 10_000 })) counts[r.status] = (counts[r.status] ?? 0) + 1;
            return counts;
          },
          timeoutMs: 1_000,
          leadership: async () => ({
            instance_id: 'rtm-test',
            role: 'leader',
            leader: { instance_id: 'rtm-test', epoch: 3, since: '2026-12-05T03:00:00.000Z', expires_at: '2026-12-05T03:00:15.000Z' },
          }),
        })),
    metrics: { render: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: metricsBody }) },
    events: new RuntimeEventsFeed({ reader: eventStreams, keys: EVENT_STREAM_KEYS, pollMs: 20 }),
    ...(tracer ? { tracer } : {}),
  });

  return {
    ...h,
    app,
    snapshots,
    logs,
    serviceCalls,
    /** runtime:health_events and runtime:job_results as GET /events reads them (keys: EVENT_STREAM_KEYS). */
    eventStreams,
    setMetricsBody(body: string) {
      metricsBody = body;
    },

    /** inject + conformance check; returns the response and its parsed body. */
    async call(operationId: RtmOperationId | null, req: ApiRequest) {
      // Objects are sent as JSON, strings and buffers as is.
      const res = await app.inject(req as InjectOptions);
      return { res, body: expectConformant(res, operationId) };
    },

    async seedSnapshot(s: Partial<HealthSnapshot> & { gameId: string }) {
      await snapshots.upsert({
        containerId: 'c0ffee',
        eventType: 'probe_recovered',
        details: { failed_probes: 3, target: `http://galaxy-game-${s.gameId}:8080/healthz` },
        observedAt: h.clock.now(),
        ...s,
      });
    },

    /** Everything a rejected request must leave untouched. */
    stateFingerprint() {
      return JSON.stringify({
        records: [...h.records.rows.entries()],
        ops: h.operationLog.entries,
        docker: h.docker.calls.length,
        containers: [...h.docker.containers.keys()],
        services: serviceCalls.length,
      });
    },
  };
}

export type ApiHarness = ReturnType<typeof createApiHarness>;
