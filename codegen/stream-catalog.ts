// The stream side of the generated code: which AsyncAPI schemas get models and validators,
// and the event_type / intent_type → schema tables the typed index exposes.
import type { LoadedAsyncApi } from './asyncapi-document.js';
import type { ModelsFile } from './asyncapi-models.generator.js';
import type { ValidatorModule } from './validators.generator.js';

/** health event_type → component schema of its decoded `details` (naming convention, checked). */
export const HEALTH_EVENT_DETAILS: Record<string, string> = {
  container_started: 'ContainerStartedDetails',
  container_exited: 'ContainerExitedDetails',
  container_oom: 'ContainerOomDetails',
  container_disappeared: 'ContainerDisappearedDetails',
  probe_failed: 'ProbeFailedDetails',
  probe_recovered: 'ProbeRecoveredDetails',
  inspect_unhealthy: 'InspectUnhealthyDetails',
};

/** notification intent_type → messageId. */
export const NOTIFICATION_INTENTS: Record<string, string> = {
  'runtime.image_pull_failed': 'RuntimeImagePullFailedIntent',
  'runtime.container_start_failed': 'RuntimeContainerStartFailedIntent',
  'runtime.start_config_invalid': 'RuntimeStartConfigInvalidIntent',
};

const DECODED_HEALTH_SCHEMAS = ['HealthEventDetails', 'RuntimeAdminIntentPayload'];

function byTypeInterface(name: string, doc: string, table: Record<string, string>): string {
  const fields = Object.entries(table).map(([key, type]) => `  '${key}': ${type};`);
  return `/** ${doc} */\nexport interface ${name} {\n${fields.join('\n')}\n}\n`;
}

export function modelsFiles(jobs: LoadedAsyncApi, health: LoadedAsyncApi): ModelsFile[] {
  return [
    { file: 'runtime-jobs.ts', spec: jobs, decodedSchemas: [], trailer: '' },
    {
      file: 'runtime-health.ts',
      spec: health,
      decodedSchemas: DECODED_HEALTH_SCHEMAS,
      trailer: [
        byTypeInterface('HealthEventDetailsByType', 'Decoded `details` of a health event, by event_type.', HEALTH_EVENT_DETAILS),
        byTypeInterface('NotificationIntentByType', 'RTM notification intent entry, by intent_type.', NOTIFICATION_INTENTS),
        '/** Any notification intent RTM publishes on notification:intents. */',
        `export type RuntimeNotificationIntent = ${Object.values(NOTIFICATION_INTENTS).join(' | ')};`,
      ].join('\n'),
    },
  ];
}

export const STREAM_TYPE_IMPORTS = [
  "import type * as jobs from '../models/runtime-jobs.js';",
  "import type * as health from '../models/runtime-health.js';",
];

function messageEntries(spec: LoadedAsyncApi, typePrefix: string): ValidatorModule['entries'] {
  return spec.parsed
    .messages()
    .all()
    .map((message) => {
      const payload = message.payload()?.id();
      if (payload === undefined) throw new Error(`${spec.source}: message ${message.id()} has no named payload schema`);
      return { exportName: `validate${message.id()}`, schemaName: payload, typeExpression: `${typePrefix}.${payload}` };
    });
}

export function streamValidatorModules(jobs: LoadedAsyncApi, health: LoadedAsyncApi): ValidatorModule[] {
  const decoded = [...DECODED_HEALTH_SCHEMAS, ...Object.values(HEALTH_EVENT_DETAILS)];
  return [
    { file: 'runtime-jobs.ts', source: jobs.source, document: jobs.raw, mode: 'strict', entries: messageEntries(jobs, 'jobs') },
    {
      file: 'runtime-health.ts',
      source: health.source,
      document: health.raw,
      mode: 'strict',
      entries: [
        ...messageEntries(health, 'health'),
        ...decoded.map((name) => ({ exportName: `validate${name}`, schemaName: name, typeExpression: `health.${name}` })),
      ],
    },
  ];
}

/** Lookup helpers appended to generated/validators/index.ts. */
export function streamIndexExtra(): string {
  const details = Object.entries(HEALTH_EVENT_DETAILS)
    .map(([eventType, schema]) => `  ${eventType}: validate${schema},`)
    .join('\n');
  const intents = Object.entries(NOTIFICATION_INTENTS)
    .map(([intentType, messageId]) => `  '${intentType}': validate${messageId},`)
    .join('\n');
  return `
/** The decoded-\`details\` validator of one health event type (read \`.errors\` after a call). */
export const HEALTH_EVENT_DETAILS_VALIDATORS: { readonly [K in keyof health.HealthEventDetailsByType]: Validator<health.HealthEventDetailsByType[K]> } = {
${details}
};

/** The stream-entry validator of one notification intent type. */
export const NOTIFICATION_INTENT_VALIDATORS: { readonly [K in keyof health.NotificationIntentByType]: Validator<health.NotificationIntentByType[K]> } = {
${intents}
};
`;
}
