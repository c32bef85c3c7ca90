import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { DB } from '../../../generated/db/types.js';
import { NAMED_STATEMENT_MARK, PreparedQuery } from '../../../src/adapters/postgres/prepared-query.js';

// Compile-only Kysely: no database needed to compare SQL and parameters.
const db = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
}).withSchema('rtmanager');

describe('PreparedQuery', () => {
  it('gives the same SQL and parameters as building the query with the values', () => {
    const build = (v: { game_id: string; status: string; last_op_at: Date }) =>
      db.updateTable('runtime_records').set({ status: v.status as 'running', last_op_at: v.last_op_at }).where('game_id', '=', v.game_id).returningAll();
    const prepared = new PreparedQuery(['game_id', 'status', 'last_op_at'], build);
    const values = { game_id: 'g-1', status: 'running', last_op_at: new Date('2026-12-01T00:00:00Z') };
    const direct = build(values).compile();
    const reused = prepared.with(values);
    expect(reused.sql).toBe(direct.sql);
    expect(reused.parameters).toEqual(direct.parameters);
    // A second call does not see the first one's values.
    expect(prepared.with({ ...values, game_id: 'g-2' }).parameters).toEqual(build({ ...values, game_id: 'g-2' }).compile().parameters);
  });

  it('a named statement is the same SQL led by the mark (database.ts names it after that text)', () => {
    const build = (v: { game_id: string }) => db.selectFrom('runtime_records').select(['game_id', 'status']).where('game_id', '=', v.game_id);
    const named = new PreparedQuery(['game_id'], build, { named: true }).with({ game_id: 'g-1' });
    expect(named.sql).toBe(NAMED_STATEMENT_MARK + build({ game_id: 'g-1' }).compile().sql);
    expect(named.parameters).toEqual(['g-1']);
    expect(new PreparedQuery(['game_id'], build).with({ game_id: 'g-1' }).sql.startsWith(NAMED_STATEMENT_MARK)).toBe(false);
  });

  it('keeps constants the builder put in the statement', () => {
    const prepared = new PreparedQuery(['game_id'], (v: { game_id: string }) => db.selectFrom('operation_log').selectAll().where('game_id', '=', v.game_id).limit(5));
    expect(prepared.with({ game_id: 'g-1' }).parameters).toEqual(['g-1', 5]);
  });

  it('refuses a statement that does not use each value exactly once', () => {
    expect(() => new PreparedQuery(['game_id', 'status'], (v: { game_id: string; status: string }) => db.selectFrom('runtime_records').selectAll().where('game_id', '=', v.game_id))).toThrow(
      /not each of/,
    );
    expect(
      () => new PreparedQuery(['game_id'], (v: { game_id: string }) => db.selectFrom('runtime_records').selectAll().where('game_id', '=', v.game_id).where('current_container_id', '=', v.game_id)),
    ).toThrow(/not each of/);
  });
});
