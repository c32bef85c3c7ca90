// The stream helpers of @galaxy/rtmanager-client/streams against what RTM itself writes (the
// Redis adapters' field encoders) and what it reads (the AsyncAPI validators).
import { describe, expect, it } from 'vitest';
import { healthEventFields } from '../../../src/adapters/redis/health-event.publisher.js';
import { jobResultFields } from '../../../src/adapters/redis/job-result.publisher.js';
import { notificationIntentFields } from '../../../src/adapters/redis/notification-intent.publisher.js';
import {
  RTM_STREAMS,
  StreamPayloadError,
  decodeHealthEvent,
  decodeJobResult,
  decodeNotificationIntent,
  encodeStartJob,
  encodeStopJob,
  fieldsFromArray,
  fieldsToArray,
  rtmStreams,
  validateRuntimeStartJob,
  validateRuntimeStopJob,
} from '../src/streams.js';

const AT = new Date('2026-03-01T12:00:00.000Z');

describe('stream names', () => {
  it('are the contract names, optionally prefixed', () => {
    expect(RTM_STREAMS).toEqual({
      startJobs: 'runtime:start_jobs',
      stopJobs: 'runtime:stop_jobs',
      jobResults: 'runtime:job_results',
      healthEvents: 'runtime:health_events',
      notificationIntents: 'notification:intents',
    });
    expect(rtmStreams('test42:').jobResults).toBe('test42:runtime:job_results');
    expect(rtmStreams()).toEqual(RTM_STREAMS);
  });
});

describe('job encoders (Lobby side)', () => {
  it('encode a start job as flat string fields RTM accepts', () => {
    const fields = encodeStartJob({ game_id: 'g1', image_ref: 'galaxy/game:1.0.0', requested_at_ms: AT });
    expect(fields).toEqual({ game_id: 'g1', image_ref: 'galaxy/game:1.0.0', requested_at_ms: String(AT.getTime()) });
    expect(validateRuntimeStartJob(fields)).toBe(true);
    expect(fieldsToArray(fields)).toEqual(['game_id', 'g1', 'image_ref', 'galaxy/game:1.0.0', 'requested_at_ms', String(AT.getTime())]);
  });

  it('encode a stop job; requested_at_ms defaults to now', () => {
    const before = Date.now();
    const fields = encodeStopJob({ game_id: 'g1', reason: 'orphan_cleanup' });
    expect(validateRuntimeStopJob(fields)).toBe(true);
    expect(Number(fields.requested_at_ms)).toBeGreaterThanOrEqual(before);
    expect(encodeStopJob({ game_id: 'g1', reason: 'finished', requested_at_ms: 5 }).requested_at_ms).toBe('5');
  });

  it('refuse to encode a job RTM would reject', () => {
    expect(() => encodeStartJob({ game_id: 'Bad_Id', image_ref: 'x:1' })).toThrow(StreamPayloadError);
    expect(() => encodeStartJob({ game_id: 'g1', image_ref: '' })).toThrow(/image_ref/);
    expect(() => encodeStopJob({ game_id: 'g1', reason: 'bored' as never })).toThrow(/reason/);
  });
});

describe('decoders (consumer side)', () => {
  it('decode a job result as RTM publishes it, empty strings as null', () => {
    const success = decodeJobResult(
      jobResultFields({
        gameId: 'g1',
        jobKind: 'start',
        jobId: '1700000000000-0',
        outcome: 'success',
        errorCode: null,
        errorMessage: null,
        containerId: 'abc123',
        engineEndpoint: 'http://galaxy-game-g1:8080',
        imageRef: 'galaxy/game:1.0.0',
        completedAt: AT,
      }),
    );
    expect(success).toEqual({
      ok: true,
      value: {
        game_id: 'g1',
        job_kind: 'start',
        job_id: '1700000000000-0',
        outcome: 'success',
        error_code: null,
        error_message: null,
        container_id: 'abc123',
        engine_endpoint: 'http://galaxy-game-g1:8080',
        image_ref: 'galaxy/game:1.0.0',
        completed_at_ms: AT.getTime(),
      },
    });
    const failure = decodeJobResult(
      fieldsFromArray(
        jobResultFields({
          gameId: 'g1',
          jobKind: 'stop',
          jobId: '1-1',
          outcome: 'failure',
          errorCode: 'conflict',
          errorMessage: 'another operation on game g1 is in progress',
          containerId: null,
          engineEndpoint: null,
          imageRef: null,
          completedAt: AT,
        }),
      ),
    );
    expect(failure.ok && failure.value).toMatchObject({ outcome: 'failure', error_code: 'conflict', container_id: null });
  });

  it('reject a malformed job result, saying what is wrong', () => {
    const r = decodeJobResult({ game_id: 'g1', job_kind: 'start' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/must have required property 'job_id'/);
  });

  it('decode every health event type with its typed details', () => {
    const samples = [
      ['container_started', { image_ref: 'galaxy/game:1.0.0' }],
      ['container_exited', { exit_code: 137, requested_by_rtm: false }],
      ['container_oom', { exit_code: 137 }],
      ['container_disappeared', { source: 'docker_event' }],
      ['probe_failed', { consecutive_failures: 3, last_error: 'timeout after 2000 ms', target: 'http://galaxy-game-g1:8080/healthz' }],
      ['probe_recovered', { failed_probes: 4, target: 'http://galaxy-game-g1:8080/healthz' }],
      ['inspect_unhealthy', { reason: 'restart_count_grew', restart_count: 2, previous_restart_count: 1 }],
    ] as const;
    for (const [eventType, details] of samples) {
      const decoded = decodeHealthEvent(
        healthEventFields({ gameId: 'g1', containerId: 'abc', eventType, occurredAt: AT, details: { ...details } }),
      );
      expect(decoded, eventType).toEqual({
        ok: true,
        value: { game_id: 'g1', container_id: 'abc', event_type: eventType, occurred_at_ms: AT.getTime(), details },
      });
    }
  });

  it('reject health details that do not match their event type', () => {
    const r = decodeHealthEvent(
      healthEventFields({ gameId: 'g1', containerId: 'abc', eventType: 'container_exited', occurredAt: AT, details: { source: 'reconcile' } }),
    );
    expect(!r.ok && r.error).toMatch(/container_exited details/);
    const notJson = decodeHealthEvent({ game_id: 'g1', container_id: 'a', event_type: 'probe_failed', occurred_at_ms: '1', details: '{oops' });
    expect(!notJson.ok && notJson.error).toMatch(/not valid JSON/);
  });

  it('decode a notification intent with its payload; other producers\' intents are not RTM intents', () => {
    const decoded = decodeNotificationIntent(
      notificationIntentFields({
        intentType: 'runtime.image_pull_failed',
        idempotencyKey: 'runtime.image_pull_failed:g1:attempt-1',
        gameId: 'g1',
        imageRef: 'galaxy/game:9.9.9',
        errorCode: 'image_pull_failed',
        errorMessage: 'pulling galaxy/game:9.9.9 failed: manifest unknown',
        attemptedAt: AT,
      }),
    );
    expect(decoded).toEqual({
      ok: true,
      value: {
        intent_type: 'runtime.image_pull_failed',
        audience: 'admin',
        channels: 'email',
        idempotency_key: 'runtime.image_pull_failed:g1:attempt-1',
        producer: 'rtmanager',
        payload: {
          game_id: 'g1',
          image_ref: 'galaxy/game:9.9.9',
          error_code: 'image_pull_failed',
          error_message: 'pulling galaxy/game:9.9.9 failed: manifest unknown',
          attempted_at_ms: AT.getTime(),
        },
      },
    });
    const other = decodeNotificationIntent({ intent_type: 'lobby.game_created', audience: 'admin' });
    expect(!other.ok && other.error).toMatch(/not an RTM intent/);
    const proto = decodeNotificationIntent({ intent_type: 'constructor' });
    expect(proto.ok).toBe(false);
  });
});
