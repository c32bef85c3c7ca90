// PostgreSQL's part of /api/v1/internal/diagnostics: the server version and the runtime
// records counted by status (one GROUP BY, no row is read).
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../../generated/db/types.js';
import { isRuntimeStatus, type RuntimeStatus } from '../../domain/runtime-record.js';
import type { VersionSource } from '../../ports/diagnostics.js';
import { RTM_SCHEMA, type RtmDatabase } from './database.js';
import { classifyPostgresFaults } from './postgres-fault.js';

export class PostgresDiagnosticsQuery implements VersionSource {
  readonly name = 'postgres';

  private readonly db: Kysely<DB>;

  constructor(database: RtmDatabase) {
    this.db = database.kysely.withSchema(RTM_SCHEMA);
  }

  async version(): Promise<string> {
    const { rows } = await classifyPostgresFaults('server version read', () => sql<{ server_version: string }>`SHOW server_version`.execute(this.db));
    const version = rows[0]?.server_version;
    if (version === undefined) throw new Error('SHOW server_version returned no row');
    return version;
  }

  async countByStatus(): Promise<Partial<Record<RuntimeStatus, number>>> {
    const rows = await classifyPostgresFaults('runtime records count', () =>
      this.db
        .selectFrom('runtime_records')
        .select(['status', (eb) => eb.fn.countAll<string>().as('count')])
        .groupBy('status')
        .execute(),
    );
    const counts: Partial<Record<RuntimeStatus, number>> = {};
    for (const row of rows) if (isRuntimeStatus(row.status)) counts[row.status] = Number(row.count);
    return counts;
  }
}
