// A runtime as the REST API shows it (OpenAPI `Runtime`), rendered as JSON text by
// PostgreSQL inside the read query: a page of 100 then crosses RTM as 100 strings instead
// of 1,500 parsed columns, 600 Dates, a mapping and a JSON.stringify — that work was most
// of a page's CPU (docs/rest-read-path.md). The fields are keyed by the generated OpenAPI
// types, so a field added to the spec does not compile until it is rendered here; the
// read store's contract suite checks the text against runtimeView() of the same rows.
//
// String concatenation rather than json_build_object/row_to_json: those look up every
// argument's type on every call and cost PostgreSQL ~40 % more per page here.
import type { components } from '../../../generated/openapi/types.js';

type Runtime = components['schemas']['Runtime'];
type HealthSnapshot = components['schemas']['HealthSnapshot'];

/** RFC 3339 UTC with milliseconds, as Date.toISOString (to_char's MS truncates, as Date does). */
const ISO_MILLIS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** SQL expressions that render one column as a JSON value (`null` for SQL NULL). */
const json = {
  /** Free text: PostgreSQL's JSON string escaping (the same bytes as JSON.stringify). */
  text: (column: string) => `coalesce(to_json(${column})::text, 'null')`,
  /** A NOT NULL column whose CHECK constraint (migrations/) admits only [a-z0-9_-]: nothing to escape. */
  word: (column: string) => `'"' || ${column} || '"'`,
  timestamp: (column: string) => `coalesce('"' || to_char(${column} AT TIME ZONE 'UTC', ${ISO_MILLIS}) || '"', 'null')`,
  jsonb: (column: string) => `coalesce(${column}::text, 'null')`,
};

/** `{"k1":v1,"k2":v2}` from the fields' value expressions, in the order given. */
function object(fields: Record<string, string>): string {
  return `${Object.entries(fields)
    .map(([key, value], i) => `'${i === 0 ? '{' : ','}"${key}":' || ${value}`)
    .join(' || ')} || '}'`;
}

const HEALTH_FIELDS: Record<keyof HealthSnapshot, string> = {
  container_id: json.text('h.container_id'),
  event_type: json.word('h.event_type'),
  details: json.jsonb('h.details'),
  observed_at: json.timestamp('h.observed_at'),
};

const RUNTIME_FIELDS: Record<keyof Runtime, string> = {
  game_id: json.word('r.game_id'),
  status: json.word('r.status'),
  current_container_id: json.text('r.current_container_id'),
  current_image_ref: json.text('r.current_image_ref'),
  engine_endpoint: json.text('r.engine_endpoint'),
  state_path: json.text('r.state_path'),
  created_at: json.timestamp('r.created_at'),
  started_at: json.timestamp('r.started_at'),
  stopped_at: json.timestamp('r.stopped_at'),
  removed_at: json.timestamp('r.removed_at'),
  last_op_at: json.timestamp('r.last_op_at'),
  // h.game_id is the join key: NULL exactly when the game has no snapshot.
  // Stored in the contract's shape (runtime-record.store.ts); NULL renders null.
  limits: json.jsonb('r.limits'),
  health: `CASE WHEN h.game_id IS NULL THEN 'null' ELSE ${object(HEALTH_FIELDS)} END`,
};

/**
 * The select expression over `runtime_records r LEFT JOIN health_snapshots h` that yields
 * the row's OpenAPI `Runtime` as JSON text. Only constants of this file go into it.
 */
export const RUNTIME_JSON_SQL = object(RUNTIME_FIELDS);
