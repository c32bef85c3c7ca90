-- RTM schema v2: markers of multi-step operations in flight (restart, patch), so that a
-- crash between their steps is found and closed by the reconciler with the outer
-- operation_log row. At most one per game (the lease allows one operation at a time).
-- Decision record: docs/services.md "Crash consistency".

CREATE TABLE rtmanager.pending_operations (
  game_id        text        PRIMARY KEY,
  op_kind        text        NOT NULL CHECK (op_kind IN ('restart', 'patch')),
  op_source      text        NOT NULL CHECK (op_source IN ('lobby_stream', 'gm_rest', 'admin_rest', 'auto_ttl', 'auto_reconcile')),
  correlation_id text        NOT NULL,
  image_ref      text,
  started_at     timestamptz NOT NULL
);
