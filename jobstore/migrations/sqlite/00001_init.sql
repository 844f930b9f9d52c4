-- The job store (jobstore), as migrations/postgres/00001_init.sql says, for SQLite:
-- STRICT tables, INTEGER for BIGINT and BOOLEAN, REAL for DOUBLE PRECISION, TEXT for
-- JSON; text compares bytewise (BINARY) as Postgres's COLLATE "C" columns do.

-- +goose Up
CREATE TABLE jobs (
    id              TEXT PRIMARY KEY,
    tenant          TEXT NOT NULL,
    user_name       TEXT NOT NULL,
    status          TEXT NOT NULL,
    priority        TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    started_at      INTEGER,
    finished_at     INTEGER,
    expires_at      INTEGER,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    enqueued        INTEGER NOT NULL,
    elements        INTEGER NOT NULL,
    model_key       TEXT NOT NULL,
    model_size      INTEGER NOT NULL,
    data            TEXT NOT NULL
) STRICT;
CREATE INDEX jobs_tenant_id ON jobs (tenant, id DESC);
CREATE INDEX jobs_status_id ON jobs (status, id DESC);
CREATE INDEX jobs_expires_at ON jobs (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX jobs_outbox ON jobs (created_at) WHERE NOT enqueued;
CREATE UNIQUE INDEX jobs_idempotency ON jobs (tenant, idempotency_key) WHERE idempotency_key <> '';

CREATE TABLE job_labels (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (job_id, key)
) STRICT;
CREATE INDEX job_labels_key_value ON job_labels (key, value);

CREATE TABLE job_formats (
    job_id      TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    format      TEXT NOT NULL,
    status      TEXT NOT NULL,
    progress    REAL NOT NULL,
    attempt     INTEGER NOT NULL,
    gen         INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER,
    error_code  TEXT NOT NULL,
    elements    INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    options     TEXT,
    metrics     TEXT,
    error       TEXT,
    PRIMARY KEY (job_id, position),
    UNIQUE (job_id, format)
) STRICT;
CREATE INDEX job_formats_finished_at ON job_formats (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE files (
    job_id       TEXT NOT NULL,
    format       TEXT NOT NULL,
    name         TEXT NOT NULL,
    key          TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    content_type TEXT NOT NULL,
    created_at   INTEGER,
    PRIMARY KEY (job_id, name),
    FOREIGN KEY (job_id, format) REFERENCES job_formats (job_id, format) ON DELETE CASCADE
) STRICT;

CREATE TABLE events (
    job_id   TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    type     TEXT NOT NULL,
    format   TEXT NOT NULL,
    time     INTEGER,
    severity TEXT NOT NULL,
    message  TEXT NOT NULL,
    data     TEXT,
    PRIMARY KEY (job_id, seq)
) STRICT;

CREATE TABLE api_keys (
    hash   TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    name   TEXT NOT NULL,
    admin  INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE api_keys;
DROP TABLE events;
DROP TABLE files;
DROP TABLE job_formats;
DROP TABLE job_labels;
DROP TABLE jobs;
