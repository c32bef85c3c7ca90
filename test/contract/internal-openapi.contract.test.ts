// Pins api/internal-openapi.yaml to CONTRACT §5. The expected names below are literal
// copies of the contract, not read from the spec: renaming or removing anything in the
// spec must fail here.
import SwaggerParser from '@apidevtools/swagger-parser';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const SPEC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../api/internal-openapi.yaml');

const OPERATIONS: ReadonlyArray<[operationId: string, method: string, path: string]> = [
  ['internalListRuntimes', 'get', '/api/v1/internal/runtimes'],
  ['internalGetRuntime', 'get', '/api/v1/internal/runtimes/{game_id}'],
  ['internalListRuntimeOperations', 'get', '/api/v1/internal/runtimes/{game_id}/operations'],
  ['internalStartRuntime', 'post', '/api/v1/internal/runtimes/{game_id}/start'],
  ['internalStopRuntime', 'post', '/api/v1/internal/runtimes/{game_id}/stop'],
  ['internalRestartRuntime', 'post', '/api/v1/internal/runtimes/{game_id}/restart'],
  ['internalPatchRuntime', 'post', '/api/v1/internal/runtimes/{game_id}/patch'],
  ['internalCleanupRuntimeContainer', 'delete', '/api/v1/internal/runtimes/{game_id}/container'],
  // CONTRACT §11 (1.2): logs, usage, live limits.
  ['internalGetRuntimeLogs', 'get', '/api/v1/internal/runtimes/{game_id}/logs'],
  ['internalGetRuntimeStats', 'get', '/api/v1/internal/runtimes/{game_id}/stats'],
  ['internalUpdateRuntimeLimits', 'post', '/api/v1/internal/runtimes/{game_id}/limits'],
  // Additive operator endpoint (issue 10, rtmctl diagnostics); not one CONTRACT §5 fixes.
  ['internalGetDiagnostics', 'get', '/api/v1/internal/diagnostics'],
  // Additive operator endpoint (issue 23, rtmctl events tail): NDJSON, read-only.
  ['internalTailEvents', 'get', '/api/v1/internal/events'],
  ['internalHealthz', 'get', '/healthz'],
  ['internalReadyz', 'get', '/readyz'],
];
const MUTATING = [
  'internalStartRuntime',
  'internalStopRuntime',
  'internalRestartRuntime',
  'internalPatchRuntime',
  'internalCleanupRuntimeContainer',
  'internalUpdateRuntimeLimits',
];
const GAME_ID_PATTERN = '^[a-z0-9]([a-z0-9-]{0,49}[a-z0-9])?$';
const HTTP_BY_ERROR_CODE: Record<string, number> = {
  invalid_request: 400,
  unauthorized: 401,
  image_ref_not_allowed: 403,
  not_found: 404,
  conflict: 409,
  image_ref_not_semver: 422,
  semver_patch_only: 422,
  start_config_invalid: 422,
  internal_error: 500,
  image_pull_failed: 502,
  container_start_failed: 502,
  service_unavailable: 503,
  docker_unavailable: 503,
};
const STOP_REASONS = ['orphan_cleanup', 'cancelled', 'finished', 'admin_request', 'timeout'];
const RUNTIME_STATUSES = ['running', 'stopped', 'removed'];
const OP_KINDS = [
  'start',
  'stop',
  'restart',
  'patch',
  'cleanup_container',
  'reconcile_adopt',
  'reconcile_dispose',
  'reconcile_mark_stopped',
  'update_limits',
];
const OP_SOURCES = ['lobby_stream', 'gm_rest', 'admin_rest', 'auto_ttl', 'auto_reconcile'];
const OUTCOMES = ['success', 'failure'];
const HEALTH_EVENT_TYPES = [
  'container_started',
  'container_exited',
  'container_oom',
  'container_disappeared',
  'probe_failed',
  'probe_recovered',
  'inspect_unhealthy',
];
const RUNTIME_FIELDS = [
  'game_id',
  'status',
  'current_container_id',
  'current_image_ref',
  'engine_endpoint',
  'state_path',
  'created_at',
  'started_at',
  'stopped_at',
  'removed_at',
  'last_op_at',
  'health',
  'limits',
];
const RUNTIME_TIMESTAMPS = ['created_at', 'started_at', 'stopped_at', 'removed_at', 'last_op_at'];
const RUNTIME_NULLABLE = ['current_container_id', 'current_image_ref', 'engine_endpoint', 'started_at', 'stopped_at', 'removed_at'];
const OPERATION_LOG_FIELDS = [
  'id',
  'game_id',
  'op_kind',
  'op_source',
  'outcome',
  'error_code',
  'error_message',
  'image_ref',
  'container_id',
  'correlation_id',
  'details',
  'started_at',
  'finished_at',
];
/** Per operation, error codes the contract's §4/§5 rules require it to be able to answer. */
const REQUIRED_ERROR_CODES: Record<string, string[]> = {
  internalListRuntimes: ['invalid_request', 'unauthorized', 'internal_error'],
  internalGetRuntime: ['invalid_request', 'unauthorized', 'not_found', 'internal_error'],
  internalGetRuntimeLogs: ['invalid_request', 'not_found', 'conflict', 'docker_unavailable'],
  internalGetRuntimeStats: ['not_found', 'conflict', 'docker_unavailable'],
  internalUpdateRuntimeLimits: ['invalid_request', 'not_found', 'conflict', 'docker_unavailable'],
  internalListRuntimeOperations: ['invalid_request', 'unauthorized', 'internal_error'],
  internalStartRuntime: [
    'invalid_request',
    'unauthorized',
    'image_ref_not_allowed',
    'conflict',
    'start_config_invalid',
    'internal_error',
    'image_pull_failed',
    'container_start_failed',
    'service_unavailable',
    'docker_unavailable',
  ],
  internalStopRuntime: ['invalid_request', 'unauthorized', 'conflict', 'internal_error', 'docker_unavailable'],
  internalRestartRuntime: ['invalid_request', 'unauthorized', 'not_found', 'conflict', 'internal_error', 'container_start_failed'],
  internalPatchRuntime: [
    'invalid_request',
    'unauthorized',
    'not_found',
    'conflict',
    'image_ref_not_semver',
    'semver_patch_only',
    'internal_error',
    'image_pull_failed',
    'container_start_failed',
  ],
  internalCleanupRuntimeContainer: ['invalid_request', 'unauthorized', 'not_found', 'conflict', 'internal_error', 'docker_unavailable'],
};

type Obj = Record<string, any>;
let raw: Obj;

function resolve(node: Obj): Obj {
  if (typeof node.$ref !== 'string') return node;
  let target: any = raw;
  for (const part of (node.$ref as string).slice(2).split('/')) target = target[part];
  return resolve(target);
}
function schema(name: string): Obj {
  const found = raw.components.schemas[name];
  if (found === undefined) throw new Error(`no schema ${name}`);
  return found;
}
function operation(operationId: string): { method: string; path: string; op: Obj; pathItem: Obj } {
  for (const [p, item] of Object.entries<Obj>(raw.paths)) {
    for (const [method, op] of Object.entries<Obj>(item)) {
      if (op?.operationId === operationId) return { method, path: p, op, pathItem: item };
    }
  }
  throw new Error(`no operation ${operationId}`);
}
function parameters(operationId: string): Obj[] {
  const { op, pathItem } = operation(operationId);
  return [...(pathItem.parameters ?? []), ...(op.parameters ?? [])].map(resolve);
}
function bodySchemaRef(operationId: string): string | undefined {
  const body = operation(operationId).op.requestBody;
  return body === undefined ? undefined : resolve(body).content['application/json'].schema.$ref;
}
function responseOf(operationId: string, status: string): Obj | undefined {
  const response = operation(operationId).op.responses[status];
  return response === undefined ? undefined : resolve(response);
}

beforeAll(async () => {
  raw = parse(await readFile(SPEC, 'utf8')) as Obj;
});

describe('internal OpenAPI document', () => {
  it('is a valid OpenAPI 3.x document (swagger-parser validation)', async () => {
    const api = (await SwaggerParser.validate(structuredClone(raw) as never)) as Obj;
    expect(String(api.openapi)).toMatch(/^3\./);
  });

  it('has exactly the operationIds, methods and paths of CONTRACT §5', () => {
    const found: Array<[string, string, string]> = [];
    for (const [p, item] of Object.entries<Obj>(raw.paths)) {
      for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']) {
        if (item[method] !== undefined) found.push([item[method].operationId, method, p]);
      }
    }
    expect([...found].sort()).toEqual([...OPERATIONS].sort());
  });

  it('validates game_id in the path with the contract pattern', () => {
    for (const [operationId, , p] of OPERATIONS) {
      if (!p.includes('{game_id}')) continue;
      const param = parameters(operationId).find((x) => x.in === 'path' && x.name === 'game_id');
      expect(param, operationId).toBeDefined();
      expect(param!.required).toBe(true);
      expect(resolve(param!.schema).pattern).toBe(GAME_ID_PATTERN);
    }
  });

  it('requires X-Galaxy-Caller (game_master | admin_service) on every mutating call', () => {
    for (const operationId of MUTATING) {
      const header = parameters(operationId).find((x) => x.in === 'header' && x.name.toLowerCase() === 'x-galaxy-caller');
      expect(header, operationId).toBeDefined();
      expect(header!.required).toBe(true);
      expect(resolve(header!.schema).enum).toEqual(['game_master', 'admin_service']);
    }
  });

  it('declares bearer auth for the internal API (optional) and none for the probes', () => {
    const schemes = raw.components.securitySchemes as Obj;
    const bearer = Object.values<Obj>(schemes).find((s) => s.type === 'http' && s.scheme === 'bearer');
    expect(bearer).toBeDefined();
    const bearerName = Object.keys(schemes).find((k) => schemes[k] === bearer)!;
    expect(raw.security).toContainEqual({ [bearerName]: [] });
    expect(raw.security).toContainEqual({}); // applies only when tokens are configured
    expect(operation('internalHealthz').op.security).toEqual([]);
    expect(operation('internalReadyz').op.security).toEqual([]);
  });

  it('takes {image_ref} for start and patch, {reason} for stop, {} for restart, with no unknown fields', () => {
    const start = schema(bodySchemaRef('internalStartRuntime')!.split('/').pop()!);
    const patch = schema(bodySchemaRef('internalPatchRuntime')!.split('/').pop()!);
    const stop = schema(bodySchemaRef('internalStopRuntime')!.split('/').pop()!);
    const restart = schema(bodySchemaRef('internalRestartRuntime')!.split('/').pop()!);
    for (const body of [start, patch]) {
      expect(body.additionalProperties).toBe(false);
      expect(body.required).toEqual(['image_ref']);
      expect(Object.keys(body.properties)).toEqual(['image_ref']);
      expect(resolve(body.properties.image_ref).type).toBe('string');
    }
    expect(stop.additionalProperties).toBe(false);
    expect(stop.required).toEqual(['reason']);
    expect(Object.keys(stop.properties)).toEqual(['reason']);
    expect(resolve(stop.properties.reason).enum).toEqual(STOP_REASONS);
    expect(restart.additionalProperties).toBe(false);
    expect(Object.keys(restart.properties ?? {})).toEqual([]);
    expect(restart.required ?? []).toEqual([]);
    for (const operationId of ['internalListRuntimes', 'internalGetRuntime', 'internalListRuntimeOperations', 'internalCleanupRuntimeContainer']) {
      expect(bodySchemaRef(operationId), operationId).toBeUndefined();
    }
  });

  it('lists runtimes by status, limit 1..500 (default 50) and an opaque cursor', () => {
    const query = Object.fromEntries(parameters('internalListRuntimes').filter((p) => p.in === 'query').map((p) => [p.name, p]));
    expect(Object.keys(query).sort()).toEqual(['cursor', 'limit', 'status']);
    expect(resolve(query.status!.schema).enum).toEqual(RUNTIME_STATUSES);
    expect(query.limit!.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 500, default: 50 });
    expect(resolve(query.cursor!.schema).type).toBe('string');
    const opsQuery = parameters('internalListRuntimeOperations').filter((p) => p.in === 'query');
    expect(opsQuery.map((p) => p.name)).toEqual(['limit']);
    expect(opsQuery[0]!.schema).toMatchObject({ type: 'integer', minimum: 1 });
  });

  it('answers errors with ErrorEnvelope, each code on its contract HTTP status', () => {
    const envelope = schema('ErrorEnvelope');
    expect(envelope.required).toEqual(['error']);
    expect(envelope.properties.error.required.sort()).toEqual(['code', 'message']);
    expect([...resolve(envelope.properties.error.properties.code).enum].sort()).toEqual(Object.keys(HTTP_BY_ERROR_CODE).sort());
    const everyCode = new Set<string>();
    for (const [operationId, , p] of OPERATIONS) {
      if (!p.startsWith('/api/v1/internal')) continue;
      const codes = new Set<string>();
      for (const [status, r] of Object.entries<Obj>(operation(operationId).op.responses)) {
        if (Number(status) < 400) continue;
        const response = resolve(r);
        expect(response.content['application/json'].schema.$ref, `${operationId} ${status}`).toBe('#/components/schemas/ErrorEnvelope');
        const listed: string[] = response['x-rtm-error-codes'] ?? [];
        expect(listed.length, `${operationId} ${status} lists its codes`).toBeGreaterThan(0);
        for (const code of listed) {
          expect(HTTP_BY_ERROR_CODE[code], `${operationId}: ${code} on ${status}`).toBe(Number(status));
          codes.add(code);
          everyCode.add(code);
        }
      }
      for (const code of REQUIRED_ERROR_CODES[operationId] ?? []) expect([...codes], operationId).toContain(code);
    }
    expect([...everyCode].sort()).toEqual(Object.keys(HTTP_BY_ERROR_CODE).sort());
    // The one code -> status table the REST edge is generated from.
    expect(schema('ErrorCode')['x-rtm-http-status']).toEqual(HTTP_BY_ERROR_CODE);
  });

  it('answers mutations 200 with {runtime, error_code: replay_no_op | null}', () => {
    for (const operationId of MUTATING) {
      expect(responseOf(operationId, '200')!.content['application/json'].schema.$ref).toBe('#/components/schemas/MutationResponse');
    }
    const mutation = schema('MutationResponse');
    expect([...mutation.required].sort()).toEqual(['error_code', 'runtime']);
    expect(mutation.properties.error_code.enum).toEqual(['replay_no_op', null]);
    expect(mutation.properties.runtime.oneOf).toContainEqual({ $ref: '#/components/schemas/Runtime' });
  });

  it('describes a runtime with the §5 fields, RFC 3339 timestamps and a nullable health snapshot', () => {
    const runtime = schema('Runtime');
    expect([...runtime.required].sort()).toEqual([...RUNTIME_FIELDS].sort());
    expect(Object.keys(runtime.properties).sort()).toEqual([...RUNTIME_FIELDS].sort());
    expect(resolve(runtime.properties.status).enum).toEqual(RUNTIME_STATUSES);
    for (const field of RUNTIME_TIMESTAMPS) expect(runtime.properties[field].format, field).toBe('date-time');
    for (const field of RUNTIME_NULLABLE) expect(runtime.properties[field].type, field).toContain('null');
    expect(runtime.properties.health.oneOf).toEqual([{ $ref: '#/components/schemas/HealthSnapshot' }, { type: 'null' }]);
    expect(runtime.properties.limits.oneOf).toEqual([{ $ref: '#/components/schemas/RuntimeLimits' }, { type: 'null' }]);
    const limits = schema('RuntimeLimits');
    expect([...limits.required].sort()).toEqual(['cpus', 'memory_bytes', 'pids_limit', 'source']);
    expect([...limits.properties.source.required].sort()).toEqual(['cpus', 'memory_bytes', 'pids_limit']);
    expect(resolve(limits.properties.source.properties.cpus).enum).toEqual(['image_label', 'default', 'override']);
    const snapshot = schema('HealthSnapshot');
    expect([...snapshot.required].sort()).toEqual(['container_id', 'details', 'event_type', 'observed_at']);
    expect(resolve(snapshot.properties.event_type).enum).toEqual(HEALTH_EVENT_TYPES);
    expect(snapshot.properties.observed_at.format).toBe('date-time');
    const list = schema('RuntimeList');
    expect([...list.required].sort()).toEqual(['items', 'next_cursor']);
    expect(list.properties.items.items.$ref).toBe('#/components/schemas/Runtime');
    expect(list.properties.next_cursor.type).toEqual(['string', 'null']);
  });

  it('describes operation log entries with the §9 fields and vocabularies', () => {
    const entry = schema('OperationLogEntry');
    expect([...entry.required].sort()).toEqual([...OPERATION_LOG_FIELDS].sort());
    expect(entry.properties.id.type).toBe('string');
    expect(resolve(entry.properties.op_kind).enum).toEqual(OP_KINDS);
    expect(resolve(entry.properties.op_source).enum).toEqual(OP_SOURCES);
    expect(resolve(entry.properties.outcome).enum).toEqual(OUTCOMES);
    expect(entry.properties.started_at.format).toBe('date-time');
    expect(entry.properties.finished_at.format).toBe('date-time');
    expect(schema('OperationList').properties.items.items.$ref).toBe('#/components/schemas/OperationLogEntry');
  });

  it('§11: logs take tail 1..10000 (default 200), since and follow, and answer NDJSON of {ts, stream, line}', () => {
    const query = Object.fromEntries(parameters('internalGetRuntimeLogs').filter((p) => p.in === 'query').map((p) => [p.name, p]));
    expect(Object.keys(query).sort()).toEqual(['follow', 'since', 'tail']);
    expect(query.tail!.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 10000, default: 200 });
    expect(query.follow!.schema).toMatchObject({ type: 'boolean', default: false });
    expect(query.since!.schema.type).toBe('string');
    const ok = responseOf('internalGetRuntimeLogs', '200')!;
    expect(Object.keys(ok.content)).toEqual(['application/x-ndjson']);
    const line = schema(ok.content['application/x-ndjson'].schema.$ref.split('/').pop());
    expect([...line.required].sort()).toEqual(['line', 'stream', 'ts']);
    expect(line.properties.stream.enum).toEqual(['stdout', 'stderr']);
    expect(line.properties.ts.format).toBe('date-time');
  });

  it('§11: stats answer the contract fields; limits take at least one of cpus, memory, pids_limit', () => {
    const stats = schema(responseOf('internalGetRuntimeStats', '200')!.content['application/json'].schema.$ref.split('/').pop());
    expect([...stats.required].sort()).toEqual(
      ['game_id', 'container_id', 'observed_at', 'cpu_percent', 'memory_bytes', 'memory_limit_bytes', 'pids', 'pids_limit', 'network_rx_bytes', 'network_tx_bytes', 'restart_count', 'started_at'].sort(),
    );
    const body = schema(bodySchemaRef('internalUpdateRuntimeLimits')!.split('/').pop()!);
    expect(body.additionalProperties).toBe(false);
    expect(body.minProperties).toBe(1);
    expect(Object.keys(body.properties).sort()).toEqual(['cpus', 'memory', 'pids_limit']);
    expect(body.properties.memory.type).toBe('string');
    expect(body.properties.pids_limit.type).toBe('integer');
    expect(responseOf('internalUpdateRuntimeLimits', '200')!.content['application/json'].schema.$ref).toBe('#/components/schemas/MutationResponse');
  });

  it('answers /healthz {status: ok} and /readyz with the four dependency checks', () => {
    const healthz = schema(responseOf('internalHealthz', '200')!.content['application/json'].schema.$ref.split('/').pop());
    expect(healthz.properties.status.enum).toEqual(['ok']);
    const readyRef = responseOf('internalReadyz', '200')!.content['application/json'].schema.$ref;
    expect(responseOf('internalReadyz', '503')!.content['application/json'].schema.$ref).toBe(readyRef);
    const readyz = schema(readyRef.split('/').pop());
    expect(readyz.properties.status.enum).toEqual(['ready', 'not_ready']);
    expect([...readyz.properties.checks.required].sort()).toEqual(['docker', 'network', 'postgres', 'redis']);
    const check = resolve(readyz.properties.checks.properties.postgres);
    expect(check.properties.ok.type).toBe('boolean');
    expect(check.required).toEqual(['ok']);
  });
});
