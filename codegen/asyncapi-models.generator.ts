// generated/models/*.ts: TypeScript interfaces of the stream payloads, by modelina, with
// the raw snake_case wire names. Message payloads come from the AsyncAPI document; the
// decoded JSON carried in string fields (health `details`, intent `payload`) is not a
// message payload, so those component schemas go through modelina's JSON Schema input.
import { TypeScriptGenerator } from '@asyncapi/modelina';
import type { LoadedAsyncApi } from './asyncapi-document.js';
import { finalizeContent, generatedHeader, type GeneratedFile } from './generated-file.js';
import { bundleComponentSchema, componentSchemas } from './schema-bundle.js';

function createGenerator(): TypeScriptGenerator {
  return new TypeScriptGenerator({
    modelType: 'interface',
    rawPropertyNames: true,
    enumType: 'union',
    // Incoming payloads leave additionalProperties open (tolerant reader); that is no field.
    processorOptions: { interpreter: { ignoreAdditionalProperties: true } },
  });
}

export interface ModelsFile {
  file: string;
  spec: LoadedAsyncApi;
  /** Component schemas that are not message payloads but still get a model. */
  decodedSchemas: string[];
  /** Extra hand-picked aliases appended verbatim (e.g. messageId → payload type). */
  trailer: string;
}

export async function generateModels(spec: ModelsFile): Promise<GeneratedFile[]> {
  const generator = createGenerator();
  const known = new Set(Object.keys(componentSchemas(spec.spec.raw)));
  const models = new Map<string, string>();
  const collect = (name: string, result: string): void => {
    // Keep named component models only: anonymous ones would get unstable names, and the
    // channel-level union (e.g. "NotificationColonIntents") is replaced by a named alias.
    if (!known.has(name)) {
      if (/^AnonymousSchema/.test(name)) throw new Error(`${spec.spec.source}: give the inline schema behind ${name} a component name`);
      return;
    }
    models.set(name, result);
  };
  for (const model of await generator.generate(spec.spec.parsed as never)) collect(model.modelName, model.result);
  for (const name of spec.decodedSchemas) {
    const schema = { $schema: 'http://json-schema.org/draft-07/schema#', ...bundleComponentSchema(spec.spec.raw, name, name) };
    for (const model of await generator.generate(schema as never)) collect(model.modelName, model.result);
  }
  const body = [...models.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, result]) => `export ${result.trim()}`)
    .join('\n\n');
  const aliases = spec.spec.parsed
    .messages()
    .all()
    .map((message) => `export type ${message.id()} = ${message.payload()?.id() ?? 'never'};`)
    .join('\n');
  const content = `${generatedHeader('asyncapi-models.generator.ts (modelina)', spec.spec.source)}\n${body}\n\n/** Payload (stream entry fields) of each message, by AsyncAPI messageId. */\n${aliases}\n\n${spec.trailer}`;
  return [{ path: `models/${spec.file}`, content: finalizeContent(content) }];
}
