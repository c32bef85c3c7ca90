// Standard telemetry end to end: a real RTM process (node dist/src/main.js, the bootstrap
// registering the instrumentations) exports over OTLP/HTTP to a collector running in this
// test process, which decodes the exporter's JSON bodies. One REST start of a real engine is
// one trace: HTTP SERVER span -> PostgreSQL, Redis and Docker spans, parent links intact; a
// start job is a CONSUMER span whose job result write is a PRODUCER span under it; log lines
// written under a span carry its trace_id and span_id.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, rtmEnv, spawnRtm, type RtmProcess } from '../../support/rtm-process.js';
import { createTestDatabase, deleteKeysWithPrefix, ENGINE_IMAGE, eventually, TEST_REDIS_URL, testGameId, type TestDatabase } from '../../support/test-env.js';

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
}

const KIND = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;
const SPAN_KIND_PRODUCER = 4;
const SPAN_KIND_CONSUMER = 5;

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };

function valueOf(v: AnyValue): string | number | boolean {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  return v.boolValue ?? '';
}

/** OTLP/HTTP JSON (ExportTraceServiceRequest) -> flat spans. */
function decodeExport(body: string): ReceivedSpan[] {
  const request = JSON.parse(body) as {
    resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Omit<ReceivedSpan, 'attributes'> & { attributes?: Array<{ key: string; value: AnyValue }> }> }> }>;
  };
  return request.resourceSpans.flatMap((rs) =>
    rs.scopeSpans.flatMap((ss) =>
      ss.spans.map((s) => ({
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId ?? '',
        name: s.name,
        kind: s.kind,
        attributes: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, valueOf(a.value)])),
      })),
    ),
  );
}

const spans: ReceivedSpan[] = [];
let collector: http.Server;
let collectorUrl: string;
let db: TestDatabase;
let rtm: RtmProcess;
let env: Record<string, string>;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const games = [testGameId('otel-rest'), testGameId('otel-job')];

beforeAll(async () => {
  collector = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && String(req.headers['content-type']).startsWith('application/json')) spans.push(...decodeExport(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  buildDist();
  db = await createTestDatabase();
  env = rtmEnv(db.url, { RTMANAGER_OTLP_ENDPOINT: collectorUrl, OTEL_BSP_SCHEDULE_DELAY: '200' });
  rtm = spawnRtm(env);
  await rtm.waitForLog((l) => l.msg === 'workers and consumers started', 60_000);
  // Instrumentation patches modules as they load: with tracing on, the bundle is never started.
  expect(rtm.logs.find((l) => l.msg === 'starting')?.start_path).toBe('modules');
}, 180_000);

afterAll(async () => {
  if (rtm && rtm.child.exitCode === null) {
    rtm.child.kill('SIGTERM');
    await rtm.exited;
  }
  for (const game of games) await docker.getContainer(`galaxy-game-${game}`).remove({ force: true }).catch(() => undefined);
  const redis = new Redis(TEST_REDIS_URL);
  await deleteKeysWithPrefix(redis, env.RTMANAGER_REDIS_KEY_PREFIX ?? '');
  redis.disconnect();
  await db?.drop();
  await new Promise<void>((resolve) => collector.close(() => resolve()));
}, 60_000);

function traceOf(traceId: string): ReceivedSpan[] {
  return spans.filter((s) => s.traceId === traceId);
}

/** Every span of the trace but the root has its parent in the trace. */
function brokenParents(trace: ReceivedSpan[]): ReceivedSpan[] {
  const ids = new Set(trace.map((s) => s.spanId));
  return trace.filter((s) => s.parentSpanId !== '' && !ids.has(s.parentSpanId));
}

function ancestors(trace: ReceivedSpan[], span: ReceivedSpan): ReceivedSpan[] {
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const out: ReceivedSpan[] = [];
  for (let p = byId.get(span.parentSpanId); p; p = byId.get(p.parentSpanId)) out.push(p);
  return out;
}

/** The trace as a tree: name, kind and the key attributes of each span. */
function render(trace: ReceivedSpan[]): string {
  const keys = ['http.request.method', 'http.route', 'http.response.status_code', 'url.path', 'game_id', 'db.system.name', 'db.operation.name', 'db.query.text', 'messaging.operation.type', 'messaging.destination.name', 'messaging.message.id'];
  const children = (id: string) => trace.filter((s) => s.parentSpanId === id);
  const roots = trace.filter((s) => s.parentSpanId === '' || !trace.some((p) => p.spanId === s.parentSpanId));
  const lines: string[] = [];
  const walk = (s: ReceivedSpan, depth: number) => {
    const attrs = keys.filter((k) => s.attributes[k] !== undefined).map((k) => `${k}=${String(s.attributes[k]).slice(0, 70)}`);
    lines.push(`${'  '.repeat(depth)}${s.name} [${KIND[s.kind]}] ${attrs.join(' ')}`);
    for (const c of children(s.spanId)) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return lines.join('\n');
}

describe('OTLP traces from a real RTM process', () => {
  it('one REST start: HTTP server span -> PostgreSQL, Redis and Docker spans, one trace, parents intact', async () => {
    const game = games[0]!;
    const base = await rtm.baseUrl();
    const res = await fetch(`${base}/api/v1/internal/runtimes/${game}/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-galaxy-caller': 'game_master' },
      body: JSON.stringify({ image_ref: ENGINE_IMAGE }),
    });
    expect(res.status).toBe(200);
    const server = await eventually(
      () => spans.find((s) => s.kind === SPAN_KIND_SERVER && s.attributes['http.route'] === '/api/v1/internal/runtimes/:game_id/start' && s.attributes.game_id === game),
      { timeoutMs: 20_000, message: 'no SERVER span for the start' },
    );
    // Wait until the trace is whole: its Docker create/start and the runtime upsert arrived.
    const trace = await eventually(() => {
      const t = traceOf(server.traceId);
      return t.some((s) => s.name === 'docker.container_start') && brokenParents(t).length === 0 ? t : undefined;
    }, { timeoutMs: 20_000, message: 'trace incomplete' });
    process.stdout.write(`\nREST start trace ${server.traceId} (${trace.length} spans):\n${render(trace)}\n`);

    expect(server.parentSpanId).toBe('');
    expect(server.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200, 'url.path': `/api/v1/internal/runtimes/${game}/start` });
    expect(server.attributes['http.method']).toBeUndefined(); // deprecated conventions are gone
    const postgres = trace.filter((s) => s.attributes['db.system.name'] === 'postgresql');
    const redis = trace.filter((s) => s.attributes['db.system.name'] === 'redis');
    const dockerSpans = trace.filter((s) => s.name.startsWith('docker.'));
    expect(postgres.length).toBeGreaterThan(0);
    expect(redis.length).toBeGreaterThan(0);
    // Named like the rtmanager_docker_api_* operation label; INTERNAL, each around the HTTP CLIENT span of its request.
    expect(dockerSpans.map((s) => s.name)).toEqual(expect.arrayContaining(['docker.container_create', 'docker.container_start']));
    // (A call the adapter answers from its cache, docker.info, makes no request.)
    for (const s of dockerSpans) {
      expect(s.kind).toBe(SPAN_KIND_INTERNAL);
      const requests = trace.filter((c) => c.parentSpanId === s.spanId).map((c) => c.kind);
      if (s.name === 'docker.info') expect(requests.length <= 1 && requests.every((k) => k === SPAN_KIND_CLIENT), s.name).toBe(true);
      else expect(requests, s.name).toEqual([SPAN_KIND_CLIENT]);
    }
    for (const s of [...postgres, ...redis, ...dockerSpans]) expect(ancestors(trace, s)).toContainEqual(server);
    expect(brokenParents(trace)).toEqual([]);
    // The container_started health event is a stream write of this trace.
    expect(trace.some((s) => s.kind === SPAN_KIND_PRODUCER && String(s.attributes['messaging.destination.name']).endsWith('runtime:health_events'))).toBe(true);
    // Log lines of the request carry its trace.
    const logged = rtm.logs.find((l) => l.game_id === game && l.trace_id === server.traceId);
    expect(logged?.span_id).toMatch(/^[0-9a-f]{16}$/);
  }, 60_000);

  it('a start job: CONSUMER span for the entry, its job result a PRODUCER span under it', async () => {
    const game = games[1]!;
    const prefix = env.RTMANAGER_REDIS_KEY_PREFIX ?? '';
    const redis = new Redis(TEST_REDIS_URL);
    const entryId = await redis.xadd(`${prefix}runtime:start_jobs`, '*', 'game_id', game, 'image_ref', ENGINE_IMAGE, 'requested_at_ms', String(Date.now()));
    redis.disconnect();
    const consumer = await eventually(() => spans.find((s) => s.kind === SPAN_KIND_CONSUMER && s.attributes['messaging.message.id'] === entryId), {
      timeoutMs: 30_000,
      message: 'no CONSUMER span for the job',
    });
    const trace = await eventually(() => {
      const t = traceOf(consumer.traceId);
      return t.some((s) => s.kind === SPAN_KIND_PRODUCER && String(s.attributes['messaging.destination.name']).endsWith('runtime:job_results')) && brokenParents(t).length === 0 ? t : undefined;
    }, { timeoutMs: 20_000, message: 'job trace incomplete' });
    process.stdout.write(`\nstart job trace ${consumer.traceId} (${trace.length} spans):\n${render(trace)}\n`);

    expect(consumer.name).toBe(`process ${prefix}runtime:start_jobs`);
    expect(consumer.attributes).toMatchObject({ 'messaging.system': 'redis', 'messaging.operation.type': 'process', 'messaging.destination.name': `${prefix}runtime:start_jobs`, game_id: game });
    const result = trace.find((s) => s.kind === SPAN_KIND_PRODUCER && String(s.attributes['messaging.destination.name']).endsWith('runtime:job_results'))!;
    expect(result.name).toBe(`send ${prefix}runtime:job_results`);
    expect(result.attributes).toMatchObject({ 'messaging.system': 'redis', 'messaging.operation.type': 'send', game_id: game });
    expect(String(result.attributes['messaging.message.id'])).toMatch(/^\d+-\d+$/);
    expect(ancestors(trace, result)).toContainEqual(consumer);
    expect(trace.some((s) => s.attributes['db.system.name'] === 'redis' && ancestors(trace, s).includes(result))).toBe(true);
  }, 60_000);

  it('probes, readiness and scrapes make no spans', async () => {
    const base = await rtm.baseUrl();
    for (const path of ['/healthz', '/readyz', '/metrics']) await fetch(`${base}${path}`);
    // Flushed by the next export: one more traced request, then look for the probe routes.
    await fetch(`${base}/api/v1/internal/runtimes/${games[0]}`);
    await eventually(() => spans.find((s) => s.kind === SPAN_KIND_SERVER && s.attributes['url.path'] === `/api/v1/internal/runtimes/${games[0]}`), { timeoutMs: 20_000 });
    expect(spans.filter((s) => ['/healthz', '/readyz', '/metrics'].includes(String(s.attributes['url.path'])))).toEqual([]);
  }, 60_000);
});
