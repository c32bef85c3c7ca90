// The REST rows' baseline: the least a fastify + pg server can do to answer the same two
// reads as RTM, from the same tables, with the same pool size — one query each (record
// LEFT JOIN latest health), the same JSON shape, no guard, no validation, no tracing, no
// logging. Run as its own process by bench/rest.scenario.ts:
//   node --import tsx bench/minimal-rest.server.ts   (env BENCH_PG_URL, BENCH_PORT, BENCH_POOL_MAX)
import Fastify from 'fastify';
import pg from 'pg';

const COLUMNS = `r.game_id, r.status, r.current_container_id, r.current_image_ref, r.engine_endpoint, r.state_path,
  r.created_at, r.started_at, r.stopped_at, r.removed_at, r.last_op_at,
  h.container_id AS h_container_id, h.event_type AS h_event_type, h.details AS h_details, h.observed_at AS h_observed_at`;
const FROM = 'rtmanager.runtime_records r LEFT JOIN rtmanager.health_snapshots h ON h.game_id = r.game_id';

type Row = Record<string, unknown>;
const iso = (d: unknown): string | null => (d instanceof Date ? d.toISOString() : null);

function view(r: Row) {
  return {
    game_id: r.game_id,
    status: r.status,
    current_container_id: r.current_container_id,
    current_image_ref: r.current_image_ref,
    engine_endpoint: r.engine_endpoint,
    state_path: r.state_path,
    created_at: iso(r.created_at),
    started_at: iso(r.started_at),
    stopped_at: iso(r.stopped_at),
    removed_at: iso(r.removed_at),
    last_op_at: iso(r.last_op_at),
    health:
      r.h_event_type === null
        ? null
        : { container_id: r.h_container_id, event_type: r.h_event_type, details: r.h_details, observed_at: iso(r.h_observed_at) },
  };
}

const pool = new pg.Pool({ connectionString: process.env.BENCH_PG_URL, max: Number(process.env.BENCH_POOL_MAX ?? 10) });
const app = Fastify({ logger: false });

app.get<{ Params: { id: string } }>('/api/v1/internal/runtimes/:id', async (req, reply) => {
  const { rows } = await pool.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE r.game_id = $1`, [req.params.id]);
  const row = rows[0] as Row | undefined;
  if (!row) return reply.code(404).send({ error: { code: 'not_found', message: `no runtime record for game ${req.params.id}` } });
  return view(row);
});

app.get<{ Querystring: { status?: string; limit?: string; cursor?: string } }>('/api/v1/internal/runtimes', async (req) => {
  const limit = Number(req.query.limit ?? 50);
  const after = req.query.cursor ? Buffer.from(req.query.cursor, 'base64url').toString('utf8') : null;
  const { rows } = await pool.query(
    `SELECT ${COLUMNS} FROM ${FROM} WHERE ($1::text IS NULL OR r.status = $1) AND ($2::text IS NULL OR r.game_id > $2) ORDER BY r.game_id LIMIT $3`,
    [req.query.status ?? null, after, limit + 1],
  );
  const page = (rows as Row[]).slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(view), next_cursor: rows.length > limit && last ? Buffer.from(String(last.game_id)).toString('base64url') : null };
});

app.get('/healthz', async () => ({ status: 'ok' }));

const shutdown = () => void app.close().then(() => pool.end()).then(() => process.exit(0));
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT) });
