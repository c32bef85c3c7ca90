// PostgreSQL refuses two things a JS string can hold: NUL (in text and in jsonb) and
// unpaired UTF-16 surrogates (jsonb rejects the escape; text would get them mangled by
// the UTF-8 encoder). Error messages and details come from Docker, engines and callers,
// and an operation_log row must be written whatever they contain (CONTRACT §1), so such
// characters are replaced with U+FFFD instead of failing the insert.

const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function storableText(value: string): string;
export function storableText(value: string | null): string | null;
export function storableText(value: string | null): string | null {
  return value === null ? null : value.replace(UNSTORABLE, '\uFFFD');
}

/**
 * JSON text for a jsonb column. Goes through JSON first (Dates become strings, undefined
 * members vanish, exactly as JSON would store them), then cleans every key and string.
 * Serialized here rather than by pg, which would turn a top-level array into a PG array.
 */
export function storableJson(value: Record<string, unknown>): string {
  const plain: unknown = JSON.parse(JSON.stringify(value));
  return JSON.stringify(clean(plain));
}

function clean(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(clean);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableText(k), clean(v)]));
  }
  return value;
}
