// The ajv standalone validators in generated/validators accept contract-shaped data and
// reject unknown fields (REST bodies, outgoing stream entries), missing fields, wrong
// enum values and wrong types.
import { describe, expect, it } from 'vitest';
import {
  HEALTH_EVENT_DETAILS_VALIDATORS,
  NOTIFICATION_INTENT_VALIDATORS,
  validateErrorEnvelope,
  validateHealthEventDetails,
  validateListRuntimeOperationsQuery,
  validateListRuntimesQuery,
  validateMutationResponse,
  validatePatchRuntimeRequest,
  validateReadyzResponse,
  validateRestartRuntimeRequest,
  validateRuntimeAdminIntentPayload,
  validateRuntimeHealthEvent,
  validateRuntimeJobResult,
  validateRuntimeStartJob,
  validateRuntimeStopJob,
  validateStartRuntimeRequest,
  validateStopRuntimeRequest,
  type ValidationError,
} from '../../generated/validators/index.js';

/** Any generated validator, whatever type it narrows to. */
type AnyValidator = ((data: unknown) => boolean) & { errors?: ValidationError[] | null };

function rejects(validate: AnyValidator, data: unknown, keyword: string, instancePath = ''): void {
  expect(validate(data), JSON.stringify(data)).toBe(false);
  expect(validate.errors?.map((e) => [e.keyword, e.instancePath])).toContainEqual([keyword, instancePath]);
}
function accepts(validate: AnyValidator, data: unknown): void {
  const ok = validate(data);
  expect(validate.errors ?? null, JSON.stringify(data)).toBeNull();
  expect(ok).toBe(true);
}

const RUNTIME = {
  game_id: 'game-1',
  status: 'running',
  current_container_id: 'c0ffee',
  current_image_ref: 'galaxy/game:1.2.3',
  engine_endpoint: 'http://galaxy-game-game-1:8080',
  state_path: '/var/lib/galaxy/games/game-1',
  created_at: '2024-05-01T10:00:00.000Z',
  started_at: '2024-05-01T10:00:01.000Z',
  stopped_at: null,
  removed_at: null,
  last_op_at: '2024-05-01T10:00:01.000Z',
  health: {
    container_id: 'c0ffee',
    event_type: 'container_started',
    details: { image_ref: 'galaxy/game:1.2.3' },
    observed_at: '2024-05-01T10:00:01.000Z',
  },
  limits: { cpus: 1, memory_bytes: 536870912, pids_limit: 256, source: { cpus: 'default', memory_bytes: 'image_label', pids_limit: 'override' } },
};

describe('REST request bodies', () => {
  it('accept the contract bodies', () => {
    accepts(validateStartRuntimeRequest, { image_ref: 'galaxy/game:1.2.3' });
    accepts(validatePatchRuntimeRequest, { image_ref: 'galaxy/game:1.2.4' });
    accepts(validateStopRuntimeRequest, { reason: 'admin_request' });
    accepts(validateRestartRuntimeRequest, {});
  });

  it('reject unknown fields', () => {
    rejects(validateStartRuntimeRequest, { image_ref: 'galaxy/game:1.2.3', force: true }, 'additionalProperties');
    rejects(validateStopRuntimeRequest, { reason: 'finished', extra: '' }, 'additionalProperties');
    rejects(validateRestartRuntimeRequest, { image_ref: 'galaxy/game:1.2.3' }, 'additionalProperties');
    rejects(validatePatchRuntimeRequest, { image_ref: 'galaxy/game:1.2.4', reason: 'x' }, 'additionalProperties');
  });

  it('reject missing fields, wrong enums and wrong types', () => {
    rejects(validateStartRuntimeRequest, {}, 'required');
    rejects(validateStopRuntimeRequest, {}, 'required');
    rejects(validateStopRuntimeRequest, { reason: 'because' }, 'enum', '/reason');
    rejects(validateStartRuntimeRequest, { image_ref: 42 }, 'type', '/image_ref');
    rejects(validateStartRuntimeRequest, { image_ref: '' }, 'minLength', '/image_ref');
    rejects(validatePatchRuntimeRequest, ['galaxy/game:1.2.4'], 'type');
    rejects(validateRestartRuntimeRequest, null, 'type');
  });
});

describe('REST query strings (coerced, defaults applied)', () => {
  it('coerce limit and apply the default of 50', () => {
    const query: Record<string, unknown> = { status: 'stopped', limit: '20', cursor: 'abc' };
    accepts(validateListRuntimesQuery, query);
    expect(query).toEqual({ status: 'stopped', limit: 20, cursor: 'abc' });
    const empty: Record<string, unknown> = {};
    accepts(validateListRuntimeOperationsQuery, empty);
    expect(empty).toEqual({ limit: 50 });
  });

  it('reject limits outside 1..500, non-numbers, unknown statuses and unknown parameters', () => {
    rejects(validateListRuntimesQuery, { limit: '0' }, 'minimum', '/limit');
    rejects(validateListRuntimesQuery, { limit: '501' }, 'maximum', '/limit');
    rejects(validateListRuntimesQuery, { limit: 'ten' }, 'type', '/limit');
    rejects(validateListRuntimesQuery, { status: 'paused' }, 'enum', '/status');
    rejects(validateListRuntimesQuery, { lmit: '5' }, 'additionalProperties', '');
    rejects(validateListRuntimeOperationsQuery, { cursor: 'abc' }, 'additionalProperties', '');
    rejects(validateListRuntimeOperationsQuery, { limit: '2.5' }, 'type', '/limit');
  });
});

describe('REST responses', () => {
  it('accept a runtime mutation answer and reject a wrong error_code or missing field', () => {
    accepts(validateMutationResponse, { runtime: RUNTIME, error_code: null });
    accepts(validateMutationResponse, { runtime: { ...RUNTIME, health: null }, error_code: 'replay_no_op' });
    rejects(validateMutationResponse, { runtime: RUNTIME, error_code: 'conflict' }, 'enum', '/error_code');
    const { last_op_at: _dropped, ...withoutLastOp } = RUNTIME;
    expect(validateMutationResponse({ runtime: withoutLastOp, error_code: null })).toBe(false);
    expect(validateMutationResponse({ runtime: { ...RUNTIME, created_at: 'yesterday' }, error_code: null })).toBe(false);
  });

  it('accept the error envelope and readiness answers', () => {
    accepts(validateErrorEnvelope, { error: { code: 'not_found', message: 'no runtime for game-1' } });
    rejects(validateErrorEnvelope, { error: { code: 'teapot', message: '' } }, 'enum', '/error/code');
    accepts(validateReadyzResponse, {
      status: 'not_ready',
      checks: { postgres: { ok: true }, redis: { ok: true }, docker: { ok: false, error: 'connect ENOENT' }, network: { ok: true } },
    });
    rejects(validateReadyzResponse, { status: 'ready', checks: { postgres: { ok: true }, redis: { ok: true }, docker: { ok: true } } }, 'required', '/checks');
  });
});

describe('job stream entries', () => {
  it('accept start and stop jobs, tolerating extra producer fields', () => {
    accepts(validateRuntimeStartJob, { game_id: 'game-1', image_ref: 'galaxy/game:1.2.3', requested_at_ms: '1714557600000' });
    accepts(validateRuntimeStopJob, { game_id: 'game-1', reason: 'orphan_cleanup', requested_at_ms: '1714557600000', trace_id: 'x' });
  });

  it('reject missing fields, bad game ids, bad reasons and non-digit timestamps', () => {
    rejects(validateRuntimeStartJob, { game_id: 'game-1', requested_at_ms: '1' }, 'required');
    rejects(validateRuntimeStartJob, { game_id: 'Game_1', image_ref: 'a', requested_at_ms: '1' }, 'pattern', '/game_id');
    rejects(validateRuntimeStopJob, { game_id: 'game-1', reason: 'bored', requested_at_ms: '1' }, 'enum', '/reason');
    rejects(validateRuntimeStopJob, { game_id: 'game-1', reason: 'finished', requested_at_ms: 1 }, 'type', '/requested_at_ms');
    rejects(validateRuntimeStopJob, { game_id: 'game-1', reason: 'finished', requested_at_ms: '-1' }, 'pattern', '/requested_at_ms');
  });

  it('accept a job result with empty or replay error_code and reject unknown fields', () => {
    const result = {
      game_id: 'game-1',
      job_kind: 'start',
      job_id: '1714557600000-0',
      outcome: 'success',
      error_code: '',
      error_message: '',
      container_id: 'c0ffee',
      engine_endpoint: 'http://galaxy-game-game-1:8080',
      image_ref: 'galaxy/game:1.2.3',
      completed_at_ms: '1714557601000',
    };
    accepts(validateRuntimeJobResult, result);
    accepts(validateRuntimeJobResult, { ...result, error_code: 'replay_no_op' });
    accepts(validateRuntimeJobResult, { ...result, game_id: 'NOT VALID', outcome: 'failure', error_code: 'invalid_request' });
    rejects(validateRuntimeJobResult, { ...result, extra: '1' }, 'additionalProperties');
    rejects(validateRuntimeJobResult, { ...result, job_kind: 'restart' }, 'enum', '/job_kind');
    rejects(validateRuntimeJobResult, { ...result, error_code: null }, 'type', '/error_code');
    rejects(validateRuntimeJobResult, { ...result, job_id: 'abc' }, 'pattern', '/job_id');
  });
});

describe('health events and notification intents', () => {
  const event = {
    game_id: 'game-1',
    container_id: 'c0ffee',
    event_type: 'container_exited',
    occurred_at_ms: '1714557600000',
    details: JSON.stringify({ exit_code: 137, requested_by_rtm: false }),
  };

  it('accept a health event whose details is a JSON string', () => {
    accepts(validateRuntimeHealthEvent, event);
    rejects(validateRuntimeHealthEvent, { ...event, details: { exit_code: 137 } }, 'type', '/details');
    rejects(validateRuntimeHealthEvent, { ...event, event_type: 'container_paused' }, 'enum', '/event_type');
    rejects(validateRuntimeHealthEvent, { ...event, severity: 'high' }, 'additionalProperties');
  });

  it('check decoded details per event type', () => {
    const valid: Record<keyof typeof HEALTH_EVENT_DETAILS_VALIDATORS, unknown> = {
      container_started: { image_ref: 'galaxy/game:1.2.3' },
      container_exited: { exit_code: 0, requested_by_rtm: true },
      container_oom: {},
      container_disappeared: { source: 'reconcile' },
      probe_failed: { consecutive_failures: 3, last_error: 'timeout', target: 'http://galaxy-game-game-1:8080/healthz' },
      probe_recovered: { failed_probes: 3, target: 'http://galaxy-game-game-1:8080/healthz' },
      inspect_unhealthy: { reason: 'restart_count_grew', restart_count: 2, previous_restart_count: 1 },
    };
    for (const [eventType, details] of Object.entries(valid)) {
      accepts(HEALTH_EVENT_DETAILS_VALIDATORS[eventType as keyof typeof valid], details);
      accepts(validateHealthEventDetails, details);
    }
    const exited = HEALTH_EVENT_DETAILS_VALIDATORS.container_exited;
    rejects(exited, { exit_code: 1 }, 'required');
    rejects(exited, { exit_code: '1', requested_by_rtm: false }, 'type', '/exit_code');
    rejects(exited, { exit_code: 1, requested_by_rtm: false, signal: 'KILL' }, 'additionalProperties');
    rejects(HEALTH_EVENT_DETAILS_VALIDATORS.container_disappeared, { source: 'magic' }, 'enum', '/source');
    rejects(HEALTH_EVENT_DETAILS_VALIDATORS.inspect_unhealthy, { reason: 'status_mismatch', restart_count: 1.5 }, 'type', '/restart_count');
    rejects(HEALTH_EVENT_DETAILS_VALIDATORS.probe_failed, { consecutive_failures: 0, last_error: '', target: 't' }, 'minimum', '/consecutive_failures');
  });

  it('accept each intent type with its fixed audience, channels and producer', () => {
    const payload = JSON.stringify({
      game_id: 'game-1',
      image_ref: 'galaxy/game:9.9.9',
      error_code: 'image_pull_failed',
      error_message: 'manifest unknown',
      attempted_at_ms: 1714557600000,
    });
    for (const [intentType, validate] of Object.entries(NOTIFICATION_INTENT_VALIDATORS)) {
      const entry = { intent_type: intentType, audience: 'admin', channels: 'email', idempotency_key: `k-${intentType}`, payload, producer: 'rtmanager' };
      accepts(validate, entry);
      rejects(validate, { ...entry, audience: 'player' }, 'enum', '/audience');
      rejects(validate, { ...entry, producer: 'lobby' }, 'enum', '/producer');
      const { idempotency_key: _key, ...withoutKey } = entry;
      rejects(validate, withoutKey, 'required');
    }
    rejects(NOTIFICATION_INTENT_VALIDATORS['runtime.image_pull_failed'], {
      intent_type: 'runtime.container_start_failed',
      audience: 'admin',
      channels: 'email',
      idempotency_key: 'k',
      payload,
      producer: 'rtmanager',
    }, 'enum', '/intent_type');
    accepts(validateRuntimeAdminIntentPayload, JSON.parse(payload));
    rejects(validateRuntimeAdminIntentPayload, { ...JSON.parse(payload), attempted_at_ms: '1714557600000' }, 'type', '/attempted_at_ms');
    rejects(validateRuntimeAdminIntentPayload, { ...JSON.parse(payload), error_code: 'conflict' }, 'enum', '/error_code');
  });
});
