-- RTM schema v1. Applied by src/adapters/postgres/migrator.ts under an advisory lock.
-- Decision record: docs/postgres-migration.md.

CREATE TABLE rtmanager.runtime_records (
  game_id              text        PRIMARY KEY
                                   CHECK (game_id ~ '^[a-z0-9]([a-z0-9-]{0,49}[a-z0-9])?$'),
  status               text        NOT NULL CHECK (status IN ('running', 'stopped', 'removed')),
  current_container_id text,
  current_image_ref    text,
  engine_endpoint      text,
  state_path           text        NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  started_at           timestamptz,
  stopped_at           timestamptz,
  removed_at           timestamptz,
  last_op_at           timestamptz NOT NULL
);

-- List by status with a game_id cursor (REST list, probe and inspect workers).
CREATE INDEX runtime_records_status_game_id_idx ON rtmanager.runtime_records (status, game_id);
-- TTL cleanup scans only stopped rows by age.
CREATE INDEX runtime_records_stopped_last_op_idx ON rtmanager.runtime_records (last_op_at)
  WHERE status = 'stopped';

CREATE TABLE rtmanager.operation_log (
  id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  game_id        text        NOT NULL,
  op_kind        text        NOT NULL CHECK (op_kind IN ('start', 'stop', 'restart', 'patch', 'cleanup_container',
                                                         'reconcile_adopt', 'reconcile_dispose', 'reconcile_mark_stopped')),
  op_source      text        NOT NULL CHECK (op_source IN ('lobby_stream', 'gm_rest', 'admin_rest', 'auto_ttl', 'auto_reconcile')),
  outcome        text        NOT NULL CHECK (outcome IN ('success', 'failure')),
  error_code     text,
  error_message  text,
  image_ref      text,
  container_id   text,
  correlation_id text,
  details        jsonb       NOT NULL DEFAULT '{}'::jsonb,
  started_at     timestamptz NOT NULL,
  finished_at    timestamptz NOT NULL,
  CHECK (finished_at >= started_at)
);

-- Newest-first history of one game.
CREATE INDEX operation_log_game_id_id_idx ON rtmanager.operation_log (game_id, id DESC);
-- Outer restart/patch rows and their inner rows.
CREATE INDEX operation_log_correlation_id_idx ON rtmanager.operation_log (correlation_id)
  WHERE correlation_id IS NOT NULL;

CREATE TABLE rtmanager.health_snapshots (
  game_id      text        PRIMARY KEY,
  container_id text        NOT NULL,
  event_type   text        NOT NULL CHECK (event_type IN ('container_started', 'container_exited', 'container_oom',
                                                          'container_disappeared', 'probe_failed', 'probe_recovered',
                                                          'inspect_unhealthy')),
  details      jsonb       NOT NULL DEFAULT '{}'::jsonb,
  observed_at  timestamptz NOT NULL
);
