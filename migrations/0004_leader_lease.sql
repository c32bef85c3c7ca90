-- RTM schema v4: the leader lease of an active/standby deployment (CONTRACT §11, issue 21).
-- One row: who leads (instance id, boot id of its process), since when, until when, and the
-- epoch, raised by one at every change of holder and never lowered. Times come from
-- PostgreSQL's clock only, so the instances' clocks never have to agree. Every write a leader
-- makes because it is leader checks the epoch in the same statement (FOR SHARE on this row):
-- a leader that lost the lease, however long it was paused, has its writes rejected.
-- Decision record: docs/leader-election.md.

CREATE TABLE rtmanager.leader_lease (
  id          smallint    PRIMARY KEY CHECK (id = 1),
  holder      text        NOT NULL,
  boot_id     text        NOT NULL,
  epoch       bigint      NOT NULL CHECK (epoch > 0),
  acquired_at timestamptz NOT NULL,
  renewed_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);
