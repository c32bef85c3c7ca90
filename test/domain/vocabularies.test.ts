// The domain's vocabularies are the specs' enums: each list is read here from api/*.yaml
// (not copied), so a spec edit without `npm run codegen` fails.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GAME_ID_PATTERN, NOTIFICATION_INTENT_TYPES } from '../../generated/vocabularies.js';
import { ERROR_CODES, HTTP_STATUS_BY_ERROR_CODE, RESULT_CODES } from '../../src/domain/error-codes.js';
import { HEALTH_EVENT_TYPES, isHealthEventType } from '../../src/domain/health.js';
import { OP_KINDS, OP_SOURCES, OUTCOMES, STOP_REASONS } from '../../src/domain/operation.js';
import { RUNTIME_STATUSES, isRuntimeStatus } from '../../src/domain/runtime-record.js';

const API = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../api');
type Schemas = Record<string, { enum?: string[]; 'x-rtm-http-status'?: Record<string, number> }>;
const schemasOf = (file: string): Schemas => (parse(readFileSync(path.join(API, file), 'utf8')) as { components: { schemas: Schemas } }).components.schemas;
const openapi = schemasOf('internal-openapi.yaml');
const jobs = schemasOf('runtime-jobs-asyncapi.yaml');
const health = schemasOf('runtime-health-asyncapi.yaml');

describe('domain vocabularies', () => {
  it.each([
    ['ErrorCode', ERROR_CODES],
    ['ResultCode', RESULT_CODES],
    ['RuntimeStatus', RUNTIME_STATUSES],
    ['StopReason', STOP_REASONS],
    ['HealthEventType', HEALTH_EVENT_TYPES],
    ['OpKind', OP_KINDS],
    ['OpSource', OP_SOURCES],
    ['Outcome', OUTCOMES],
  ] as const)('%s is the OpenAPI enum', (schema, values) => {
    expect([...values]).toEqual(openapi[schema]?.enum);
  });

  it('the code -> HTTP status table is the spec table', () => {
    expect(HTTP_STATUS_BY_ERROR_CODE).toEqual(openapi.ErrorCode?.['x-rtm-http-status']);
  });

  it('the stream specs carry the same vocabularies', () => {
    expect([...STOP_REASONS]).toEqual(jobs.StopReason?.enum);
    expect([...OUTCOMES]).toEqual(jobs.JobOutcome?.enum);
    expect(['', ...RESULT_CODES]).toEqual(jobs.JobResultErrorCode?.enum);
    expect([...HEALTH_EVENT_TYPES]).toEqual(health.HealthEventType?.enum);
  });

  it('the notification intent types are the intent_type enums of the health spec; the game_id pattern is the specs\' GameId', () => {
    const intentTypes = ['RuntimeImagePullFailedIntentType', 'RuntimeContainerStartFailedIntentType', 'RuntimeStartConfigInvalidIntentType'].flatMap(
      (name) => health[name]?.enum ?? [],
    );
    expect([...NOTIFICATION_INTENT_TYPES]).toEqual(intentTypes);
    for (const spec of [openapi, jobs, health]) expect(GAME_ID_PATTERN).toBe((spec.GameId as { pattern?: string } | undefined)?.pattern);
  });

  it('guards accept exactly the listed values', () => {
    expect(RUNTIME_STATUSES.every(isRuntimeStatus)).toBe(true);
    expect(isRuntimeStatus('paused')).toBe(false);
    expect(HEALTH_EVENT_TYPES.every(isHealthEventType)).toBe(true);
    expect(isHealthEventType('container_paused')).toBe(false);
  });
});
