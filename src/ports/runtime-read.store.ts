import type { RuntimeListQuery } from './runtime-record.store.js';

/** One runtime of a list page: its game id (the page's cursor) and its JSON text. */
export interface RenderedRuntime {
  gameId: string;
  /** The OpenAPI `Runtime` (record with its latest health snapshot) as JSON text, as runtimeView() would give it. */
  json: string;
}

/**
 * The read side of the REST API. A record and its health come in one round trip (a page
 * too, so a page of 100 is not 101 queries), already rendered as the wire's JSON: the
 * REST reads answer it as is, without parsing rows into domain objects only to serialize
 * them again. Same order and filters as RuntimeRecordStore.list; writes go through
 * RuntimeRecordStore / HealthSnapshotStore.
 */
export interface RuntimeReadStore {
  /** The OpenAPI `Runtime` of the game as JSON text; null without a record. */
  get(gameId: string): Promise<string | null>;
  list(query: RuntimeListQuery): Promise<RenderedRuntime[]>;
}
