// The invariants every fault scenario ends with (CONTRACT §1), read from the real parts:
// runtime_records and operation_log in PostgreSQL, job results in Redis, containers in the
// daemon (only this scenario's game ids: the daemon is shared).
import { execFileSync } from 'node:child_process';
import type pg from 'pg';
import type { Fields, LobbyStandIn } from './lobby-stand-in.js';

export interface RecordRow {
  game_id: string;
  status: string;
  current_container_id: string | null;
  current_image_ref: string | null;
}

export interface OpRow {
  id: string;
  game_id: string;
  op_kind: string;
  op_source: string;
  outcome: string;
  error_code: string | null;
  correlation_id: string | null;
  details: Record<string, unknown>;
}

export interface OwnedContainer {
  id: string;
  gameId: string;
  state: string;
  running: boolean;
}

export async function readRecords(pool: pg.Pool, games: readonly string[]): Promise<Map<string, RecordRow>> {
  const { rows } = await pool.query<RecordRow>(
    'SELECT game_id, status, current_container_id, current_image_ref FROM rtmanager.runtime_records WHERE game_id = ANY($1)',
    [games],
  );
  return new Map(rows.map((r) => [r.game_id, r]));
}

export async function readOperations(pool: pg.Pool, games: readonly string[]): Promise<OpRow[]> {
  const { rows } = await pool.query<OpRow>(
    `SELECT id::text, game_id, op_kind, op_source, outcome, error_code, correlation_id, details
       FROM rtmanager.operation_log WHERE game_id = ANY($1) ORDER BY id`,
    [games],
  );
  return rows;
}

/** Owned containers of these games, straight from the daemon (not through the proxy). */
export function ownedContainers(games: readonly string[]): OwnedContainer[] {
  const out = execFileSync(
    'docker',
    ['ps', '-a', '--no-trunc', '--filter', 'label=com.galaxy.owner=rtmanager', '--format', '{{.ID}}|{{.Label "com.galaxy.game_id"}}|{{.State}}'],
    { encoding: 'utf8' },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id, gameId, state] = l.split('|');
      return { id: id!, gameId: gameId!, state: state!, running: state === 'running' };
    })
    .filter((c) => games.includes(c.gameId));
}

/** Drift between records and Docker, one line per problem; empty = they agree. */
export async function driftProblems(pool: pg.Pool, games: readonly string[]): Promise<string[]> {
  const records = await readRecords(pool, games);
  const containers = ownedContainers(games);
  const problems: string[] = [];
  for (const game of games) {
    const rec = records.get(game);
    const mine = containers.filter((c) => c.gameId === game);
    if (mine.length > 1) problems.push(`${game}: ${mine.length} owned containers (${mine.map((c) => `${c.id.slice(0, 12)}:${c.state}`).join(', ')})`);
    for (const c of mine)
      if (!rec || c.id !== rec.current_container_id) problems.push(`${game}: orphan ${c.id.slice(0, 12)} (${c.state}) named by no record`);
    if (!rec) continue;
    const current = mine.find((c) => c.id === rec.current_container_id);
    if (rec.status === 'running' && !current?.running)
      problems.push(`${game}: record running, container ${rec.current_container_id?.slice(0, 12)} is ${current?.state ?? 'gone'}`);
    if (rec.status === 'stopped' && (!current || current.running))
      problems.push(`${game}: record stopped, container ${rec.current_container_id?.slice(0, 12)} is ${current?.state ?? 'gone'}`);
    if (rec.status === 'removed' && current) problems.push(`${game}: record removed, container ${current.id.slice(0, 12)} still ${current.state}`);
  }
  return problems;
}

/** Every submitted job answered exactly once (and, unless said otherwise, with success). */
export async function jobProblems(lobby: LobbyStandIn, opts: { expectSuccess?: boolean } = {}): Promise<{ problems: string[]; results: Map<string, Fields[]> }> {
  const results = await lobby.resultsByJob();
  const problems: string[] = [];
  for (const job of lobby.jobs) {
    const answers = results.get(`${job.kind}:${job.jobId}`) ?? [];
    if (answers.length !== 1) problems.push(`${job.kind} job ${job.jobId} (${job.gameId}) answered ${answers.length} times`);
    const a = answers[0];
    if (a && (opts.expectSuccess ?? true) && a.outcome !== 'success')
      problems.push(`${job.kind} job ${job.jobId} (${job.gameId}) answered ${a.outcome} ${a.error_code}: ${a.error_message}`);
  }
  return { problems, results };
}

/** Rows of one operation: the non-replay rows of `opKind` from `opSource` for the game. */
export function rowsOf(ops: readonly OpRow[], gameId: string, opKind: string, opSource: string): OpRow[] {
  return ops.filter((o) => o.game_id === gameId && o.op_kind === opKind && o.op_source === opSource && o.error_code !== 'replay_no_op');
}

export function describeOps(ops: readonly OpRow[]): string {
  return ops
    .map((o) => `${o.game_id} ${o.op_kind}/${o.op_source} ${o.outcome}${o.error_code ? ` ${o.error_code}` : ''}${o.correlation_id ? ` corr=${o.correlation_id.slice(0, 8)}` : ''}`)
    .join('\n  ');
}
