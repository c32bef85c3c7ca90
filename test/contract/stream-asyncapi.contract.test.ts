// Pins api/runtime-jobs-asyncapi.yaml and api/runtime-health-asyncapi.yaml to CONTRACT
// §6/§7, through the real @asyncapi/parser. Expected names are literal copies of the
// contract (and of docs/contracts.md for the decoded details), not read from the specs.
import { Parser, fromFile, type AsyncAPIDocumentInterface, type SchemaInterface } from '@asyncapi/parser';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const API_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../api');

const GAME_ID_PATTERN = '^[a-z0-9]([a-z0-9-]{0,49}[a-z0-9])?$';
const ERROR_CODES = [
  'invalid_request',
  'unauthorized',
  'image_ref_not_allowed',
  'not_found',
  'conflict',
  'image_ref_not_semver',
  'semver_patch_only',
  'start_config_invalid',
  'internal_error',
  'image_pull_failed',
  'container_start_failed',
  'service_unavailable',
  'docker_unavailable',
];
const STOP_REASONS = ['orphan_cleanup', 'cancelled', 'finished', 'admin_request', 'timeout'];
const HEALTH_EVENT_TYPES = [
  'container_started',
  'container_exited',
  'container_oom',
  'container_disappeared',
  'probe_failed',
  'probe_recovered',
  'inspect_unhealthy',
];

interface ExpectedChannel {
  /** true: RTM consumes (AsyncAPI 2 `publish`); false: RTM publishes (`subscribe`). */
  rtmConsumes: boolean;
  messages: Record<string, { fields: string[]; enums: Record<string, string[]> }>;
}

const JOB_CHANNELS: Record<string, ExpectedChannel> = {
  'runtime:start_jobs': {
    rtmConsumes: true,
    messages: { RuntimeStartJob: { fields: ['game_id', 'image_ref', 'requested_at_ms'], enums: {} } },
  },
  'runtime:stop_jobs': {
    rtmConsumes: true,
    messages: { RuntimeStopJob: { fields: ['game_id', 'reason', 'requested_at_ms'], enums: { reason: STOP_REASONS } } },
  },
  'runtime:job_results': {
    rtmConsumes: false,
    messages: {
      RuntimeJobResult: {
        fields: [
          'game_id',
          'job_kind',
          'job_id',
          'outcome',
          'error_code',
          'error_message',
          'container_id',
          'engine_endpoint',
          'image_ref',
          'completed_at_ms',
        ],
        enums: { job_kind: ['start', 'stop'], outcome: ['success', 'failure'], error_code: ['', 'replay_no_op', ...ERROR_CODES] },
      },
    },
  },
};

const INTENT_FIELDS = ['intent_type', 'audience', 'channels', 'idempotency_key', 'payload', 'producer'];
const intent = (intentType: string) => ({
  fields: INTENT_FIELDS,
  enums: { intent_type: [intentType], audience: ['admin'], channels: ['email'], producer: ['rtmanager'] },
});
const HEALTH_CHANNELS: Record<string, ExpectedChannel> = {
  'runtime:health_events': {
    rtmConsumes: false,
    messages: {
      RuntimeHealthEvent: {
        fields: ['game_id', 'container_id', 'event_type', 'occurred_at_ms', 'details'],
        enums: { event_type: HEALTH_EVENT_TYPES },
      },
    },
  },
  'notification:intents': {
    rtmConsumes: false,
    messages: {
      RuntimeImagePullFailedIntent: intent('runtime.image_pull_failed'),
      RuntimeContainerStartFailedIntent: intent('runtime.container_start_failed'),
      RuntimeStartConfigInvalidIntent: intent('runtime.start_config_invalid'),
    },
  },
};

/** Decoded `details` per event type: field → JSON type; `?` marks an optional field. */
const HEALTH_DETAILS: Record<string, { schema: string; fields: Record<string, string>; enums?: Record<string, string[]> }> = {
  container_started: { schema: 'ContainerStartedDetails', fields: { image_ref: 'string' } },
  container_exited: { schema: 'ContainerExitedDetails', fields: { exit_code: 'integer', requested_by_rtm: 'boolean' } },
  container_oom: { schema: 'ContainerOomDetails', fields: { 'exit_code?': 'integer' } },
  container_disappeared: {
    schema: 'ContainerDisappearedDetails',
    fields: { source: 'string' },
    enums: { source: ['docker_event', 'reconcile'] },
  },
  probe_failed: { schema: 'ProbeFailedDetails', fields: { consecutive_failures: 'integer', last_error: 'string', target: 'string' } },
  probe_recovered: { schema: 'ProbeRecoveredDetails', fields: { failed_probes: 'integer', target: 'string' } },
  inspect_unhealthy: {
    schema: 'InspectUnhealthyDetails',
    fields: {
      reason: 'string',
      'restart_count?': 'integer',
      'previous_restart_count?': 'integer',
      'docker_status?': 'string',
      'record_status?': 'string',
      'node_id?': 'string',
      'node_hostname?': 'string',
      'node_state?': 'string',
    },
    enums: { reason: ['restart_count_grew', 'status_mismatch', 'node_down'] },
  },
};

async function load(file: string): Promise<{ document: AsyncAPIDocumentInterface; errors: string[] }> {
  const { document, diagnostics } = await fromFile(new Parser(), path.join(API_DIR, file)).parse();
  const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.code}: ${d.message}`);
  if (document === undefined) throw new Error(`${file} did not parse: ${errors.join('; ')}`);
  return { document, errors };
}

function component(document: AsyncAPIDocumentInterface, name: string): SchemaInterface {
  const schema = document.components().schemas().get(name);
  if (schema === undefined) throw new Error(`no component schema ${name}`);
  return schema;
}

function describeChannels(file: string, expected: Record<string, ExpectedChannel>): void {
  describe(file, () => {
    let document: AsyncAPIDocumentInterface;
    let errors: string[];
    beforeAll(async () => {
      ({ document, errors } = await load(file));
    });

    it('parses with @asyncapi/parser as AsyncAPI 2.6.0 without errors', () => {
      expect(errors).toEqual([]);
      expect(document.version()).toBe('2.6.0');
    });

    it('has exactly the contract channels, in the contract direction', () => {
      expect(document.channels().all().map((c) => c.address()).sort()).toEqual(Object.keys(expected).sort());
      for (const [name, channel] of Object.entries(expected)) {
        const operations = document.channels().get(name)!.operations().all();
        expect(operations.length, name).toBe(1);
        expect(operations[0]!.isReceive(), `${name}: RTM consumes`).toBe(channel.rtmConsumes);
        expect(operations[0]!.isSend(), `${name}: RTM publishes`).toBe(!channel.rtmConsumes);
      }
    });

    for (const [name, channel] of Object.entries(expected)) {
      it(`${name}: messageIds, flat string fields, enums`, () => {
        const messages = document.channels().get(name)!.messages().all();
        expect(messages.map((m) => m.id()).sort()).toEqual(Object.keys(channel.messages).sort());
        for (const message of messages) {
          const spec = channel.messages[message.id()]!;
          const payload = message.payload()!;
          expect(payload.type(), message.id()).toBe('object');
          expect([...(payload.required() ?? [])].sort(), `${message.id()} required`).toEqual([...spec.fields].sort());
          const properties = payload.properties() ?? {};
          expect(Object.keys(properties).sort(), `${message.id()} fields`).toEqual([...spec.fields].sort());
          for (const [field, property] of Object.entries(properties)) {
            // A Redis Stream entry holds only strings.
            expect(property.type(), `${message.id()}.${field}`).toBe('string');
            if (field.endsWith('_ms')) expect(property.pattern(), `${message.id()}.${field}`).toBe('^[0-9]+$');
          }
          for (const [field, values] of Object.entries(spec.enums)) {
            expect(properties[field]!.enum(), `${message.id()}.${field}`).toEqual(values);
          }
          if (!channel.rtmConsumes) expect(payload.additionalProperties(), `${message.id()} is closed`).toBe(false);
          if (properties.game_id !== undefined && message.id() !== 'RuntimeJobResult') {
            expect(properties.game_id.pattern(), `${message.id()}.game_id`).toBe(GAME_ID_PATTERN);
          }
        }
      });
    }
  });
}

describeChannels('runtime-jobs-asyncapi.yaml', JOB_CHANNELS);
describeChannels('runtime-health-asyncapi.yaml', HEALTH_CHANNELS);

describe('decoded JSON carried in string fields (runtime-health-asyncapi.yaml)', () => {
  let document: AsyncAPIDocumentInterface;
  beforeAll(async () => {
    ({ document } = await load('runtime-health-asyncapi.yaml'));
  });

  for (const [eventType, spec] of Object.entries(HEALTH_DETAILS)) {
    it(`details of ${eventType} are ${spec.schema}`, () => {
      const schema = component(document, spec.schema);
      expect(schema.type()).toBe('object');
      expect(schema.additionalProperties()).toBe(false);
      const fields = Object.entries(spec.fields).map(([key, type]) => ({ name: key.replace(/\?$/, ''), optional: key.endsWith('?'), type }));
      const properties = schema.properties() ?? {};
      expect(Object.keys(properties).sort()).toEqual(fields.map((f) => f.name).sort());
      expect([...(schema.required() ?? [])].sort()).toEqual(fields.filter((f) => !f.optional).map((f) => f.name).sort());
      for (const field of fields) expect(properties[field.name]!.type(), `${spec.schema}.${field.name}`).toBe(field.type);
      for (const [field, values] of Object.entries(spec.enums ?? {})) expect(properties[field]!.enum()).toEqual(values);
    });
  }

  it('HealthEventDetails is the oneOf of every per-type details schema', () => {
    const branches = component(document, 'HealthEventDetails').oneOf() ?? [];
    expect(branches.map((b) => b.id()).sort()).toEqual(Object.values(HEALTH_DETAILS).map((d) => d.schema).sort());
  });

  it('intent payload decodes to {game_id, image_ref, error_code, error_message, attempted_at_ms}', () => {
    const schema = component(document, 'RuntimeAdminIntentPayload');
    const properties = schema.properties() ?? {};
    expect([...(schema.required() ?? [])].sort()).toEqual(['attempted_at_ms', 'error_code', 'error_message', 'game_id', 'image_ref']);
    expect(Object.keys(properties).sort()).toEqual(['attempted_at_ms', 'error_code', 'error_message', 'game_id', 'image_ref']);
    expect(properties.attempted_at_ms!.type()).toBe('integer');
    expect(properties.error_code!.enum()).toEqual(['image_pull_failed', 'container_start_failed', 'start_config_invalid']);
    expect(schema.additionalProperties()).toBe(false);
  });
});
