// PostgreSQL's part of /api/v1/internal/diagnostics: the server version and the runtime
// records counted by status (one GROUP BY, no row is read).
import { sql } from 'kysely';
import { isRuntimeStatus, type RuntimeStatus } from '../../domain/runtime-record.js';
import type { VersionSource } from '../../ports/diagnostics.js';
import type { RtmDatabase } from './database.js';
import { classifyPostgresFaults } from './postgres-fault.js';

export class PostgresDiagnosticsQuery implements VersionSource {
  readonly name = 'postgres';

  constructor(private readonly database: RtmDatabase) {}

  async version(): Promise<string> {
    const { rows } = await classifyPostgresFaults('server version read', () => sql<{ server_version: string }>`SHOW server_version`.execute(this.database.rtm));
    const version = rows[0]?.server_version;
    if (version === undefined) throw new Error('SHOW server_version returned no row');
    return version;
  }

  async countByStatus(): Promise<Partial<Record<RuntimeStatus, number>>> {
    const rows = await classifyPostgresFaults('runtime records count', () =>
      this.database.rtm
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
