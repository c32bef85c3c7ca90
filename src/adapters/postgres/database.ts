// The Kysely handle the stores share. The composition root owns the pg Pool and builds
// this once; each store pins schema `rtmanager` itself (RTM_SCHEMA), so the handle passed
// in may be plain or already `.withSchema(...)`: the stores cannot end up in `public`.
// Its driver classifies every failure once (postgres-fault.ts): an unreachable database is
// a DependencyUnavailable, whichever store or query met it. The pool it draws from runs
// the statements PreparedQuery marks as named ones (prepared-query.ts).
import { createHash } from 'node:crypto';
import {
  Kysely,
  PostgresDialect,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type PostgresPool,
  type PostgresPoolClient,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type pg from 'pg';
import type { DB } from '../../../generated/db/types.js';
import { classifyingPostgresFaults as classified, toPostgresFault } from './postgres-fault.js';
import { NAMED_STATEMENT_MARK } from './prepared-query.js';

/** Created by the migrations (CONTRACT §9); see docs/postgres-migration.md. */
export const RTM_SCHEMA = 'rtmanager';

/**
 * `db.destroy()` ends `pool` (Kysely's driver owns it from here on): at shutdown call
 * that once instead of `pool.end()`.
 */
export function createRtmDatabase(pool: pg.Pool, onClientError: (err: Error) => void = () => undefined): Kysely<DB> {
  // pg-pool listens for errors on idle clients only: a client checked out between two queries
  // when the server terminates its connection (57P01 on shutdown) would emit an unhandled
  // 'error' and crash the process. The query in flight still rejects, and is classified.
  pool.on('connect', (client) => client.on('error', onClientError));
  return new Kysely<DB>({ dialect: new FaultClassifyingPostgresDialect({ pool: statementNamingPool(pool) }) });
}

/**
 * `pool` as Kysely uses it, except that SQL led by NAMED_STATEMENT_MARK runs as a named
 * statement called after a hash of its text (the same text always gets the same name;
 * pg prepares it on each connection's first use).
 */
function statementNamingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string): string => {
    let name = names.get(text);
    if (name === undefined) {
      name = `rtm_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
      names.set(text, name);
    }
    return name;
  };
  // One wrapper per pg client, so Kysely's own per-client cache keeps working.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => ({
    query: ((textOrCursor: unknown, values?: readonly unknown[]) =>
      typeof textOrCursor === 'string' && textOrCursor.startsWith(NAMED_STATEMENT_MARK)
        ? client.query({ name: nameOf(textOrCursor), text: textOrCursor, values: values as unknown[] })
        : client.query(textOrCursor as string, values as unknown[])) as unknown as PostgresPoolClient['query'],
    // Kysely 0.29 asks to destroy a client whose rollback failed: pass that on to pg.
    release: (destroy?: boolean) => client.release(destroy),
  });
  return {
    connect: async () => {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        wrapper = wrap(client);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
    options: pool.options,
  };
}

class FaultClassifyingPostgresDialect extends PostgresDialect {
  override createDriver(): Driver {
    return new FaultClassifyingDriver(super.createDriver());
  }
}

class FaultClassifyingConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return classified(() => this.inner.executeQuery<R>(query));
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize);
    } catch (err) {
      throw toPostgresFault(err);
    }
  }
}

const innerOf = (connection: DatabaseConnection): DatabaseConnection =>
  connection instanceof FaultClassifyingConnection ? connection.inner : connection;

class FaultClassifyingDriver implements Driver {
  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return classified(() => this.inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new FaultClassifyingConnection(await classified(() => this.inner.acquireConnection()));
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return classified(() => this.inner.beginTransaction(innerOf(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return classified(() => this.inner.commitTransaction(innerOf(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return classified(() => this.inner.rollbackTransaction(innerOf(connection)));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(innerOf(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
