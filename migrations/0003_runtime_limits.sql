-- RTM schema v3 (1.2): the limits a game's container runs with, each with its source
-- (image_label | default | override), stored with the record so a limits update (op_kind
-- update_limits) survives restart and patch. Stored in the REST shape (OpenAPI
-- RuntimeLimits): the read path renders it as it is. NULL: written before 1.2, or adopted.
-- Decision record: docs/services.md "update_limits".

ALTER TABLE rtmanager.runtime_records ADD COLUMN limits jsonb;

ALTER TABLE rtmanager.operation_log DROP CONSTRAINT operation_log_op_kind_check;
ALTER TABLE rtmanager.operation_log ADD CONSTRAINT operation_log_op_kind_check
  CHECK (op_kind IN ('start', 'stop', 'restart', 'patch', 'cleanup_container',
                     'reconcile_adopt', 'reconcile_dispose', 'reconcile_mark_stopped', 'update_limits'));
