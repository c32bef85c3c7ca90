// Turns one component schema of an OpenAPI/AsyncAPI document into a self-contained JSON
// Schema (draft-07) that strict ajv accepts: local component refs are copied into
// `definitions`, and keywords JSON Schema does not know (`example`, `x-*`) are dropped.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const COMPONENT_REF = /^#\/components\/schemas\/([A-Za-z0-9_.-]+)$/;
/** Keywords whose value maps names (not keywords) to subschemas. */
const NAME_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']);
const DROPPED_KEYWORDS = new Set(['example', 'discriminator', 'xml', 'externalDocs', 'nullable']);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function componentSchemas(document: unknown): JsonObject {
  const schemas = isObject(document) && isObject(document.components) ? document.components.schemas : undefined;
  if (!isObject(schemas)) throw new Error('document has no components.schemas');
  return schemas;
}

function rewrite(schema: Json, found: Set<string>): Json {
  if (Array.isArray(schema)) return schema.map((item) => rewrite(item, found));
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-') || DROPPED_KEYWORDS.has(key)) continue;
    if (key === '$ref' && typeof value === 'string') {
      const match = COMPONENT_REF.exec(value);
      if (!match?.[1]) throw new Error(`unsupported $ref ${value}: only #/components/schemas/* refs are bundled`);
      found.add(match[1]);
      out[key] = `#/definitions/${match[1]}`;
    } else if (key === 'enum' || key === 'const' || key === 'default' || key === 'examples' || key === 'required') {
      out[key] = value; // data, not subschemas
    } else if (NAME_MAPS.has(key) && isObject(value)) {
      const mapped: JsonObject = {};
      for (const [name, sub] of Object.entries(value)) mapped[name] = rewrite(sub, found);
      out[key] = mapped;
    } else {
      out[key] = rewrite(value, found);
    }
  }
  return out;
}

/** Bundles `components.schemas[name]` of `document` under the given `$id`. */
export function bundleComponentSchema(document: unknown, name: string, id: string): JsonObject {
  const schemas = componentSchemas(document);
  const root = schemas[name];
  if (root === undefined) throw new Error(`no component schema ${name}`);
  const pending = new Set<string>();
  const bundledRoot = rewrite(root, pending) as JsonObject;
  const definitions: JsonObject = {};
  const done = new Set<string>();
  while (pending.size > 0) {
    const [next] = pending;
    pending.delete(next!);
    if (done.has(next!)) continue;
    done.add(next!);
    const target = schemas[next!];
    if (target === undefined) throw new Error(`dangling ref to component schema ${next}`);
    definitions[next!] = rewrite(target, pending);
  }
  const sortedDefinitions: JsonObject = {};
  for (const key of Object.keys(definitions).sort()) sortedDefinitions[key] = definitions[key]!;
  return Object.keys(sortedDefinitions).length > 0
    ? { $id: id, ...bundledRoot, definitions: sortedDefinitions }
    : { $id: id, ...bundledRoot };
}
