-- The job store (jobstore). Times are Unix microseconds (UTC), NULL when unset.
-- Ids sort bytewise (COLLATE "C"): they are "exp_" + ULID, so id order is time order.
-- JSON columns are json, not jsonb: the text is kept as written (the store compares
-- it) and \u0000 escapes, possible in messages taken from models, are accepted.

-- +goose Up
CREATE TABLE jobs (
    id              TEXT COLLATE "C" PRIMARY KEY,
    tenant          TEXT NOT NULL,
    user_name       TEXT NOT NULL,
    status          TEXT NOT NULL,
    priority        TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    started_at      BIGINT,
    finished_at     BIGINT,
    expires_at      BIGINT,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    enqueued        BOOLEAN NOT NULL,
    elements        BIGINT NOT NULL,
    model_key       TEXT NOT NULL,
    model_size      BIGINT NOT NULL,
    -- name, options, callback_url, labels, retention_ns, error, warnings, trace_parent
    data            JSON NOT NULL
);
CREATE INDEX jobs_tenant_id ON jobs (tenant, id DESC);
CREATE INDEX jobs_status_id ON jobs (status, id DESC);
CREATE INDEX jobs_expires_at ON jobs (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX jobs_outbox ON jobs (created_at) WHERE NOT enqueued;
CREATE UNIQUE INDEX jobs_idempotency ON jobs (tenant, idempotency_key) WHERE idempotency_key <> '';

-- The labels again (they are in jobs.data too), for the label filter of List.
CREATE TABLE job_labels (
    job_id TEXT COLLATE "C" NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (job_id, key)
);
CREATE INDEX job_labels_key_value ON job_labels (key, value);

-- elements, bytes, duration_ms and error_code repeat metrics["elements"], the sum of
-- the file sizes, metrics["duration_ms"] and error.code for analytics.
CREATE TABLE job_formats (
    job_id      TEXT COLLATE "C" NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    format      TEXT NOT NULL,
    status      TEXT NOT NULL,
    progress    DOUBLE PRECISION NOT NULL,
    attempt     INTEGER NOT NULL,
    gen         INTEGER NOT NULL,
    started_at  BIGINT,
    finished_at BIGINT,
    error_code  TEXT NOT NULL,
    elements    BIGINT NOT NULL,
    bytes       BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    options     JSON,
    metrics     JSON,
    error       JSON,
    PRIMARY KEY (job_id, position),
    UNIQUE (job_id, format)
);
CREATE INDEX job_formats_finished_at ON job_formats (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE files (
    job_id       TEXT COLLATE "C" NOT NULL,
    format       TEXT NOT NULL,
    name         TEXT COLLATE "C" NOT NULL,
    key          TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    content_type TEXT NOT NULL,
    created_at   BIGINT,
    PRIMARY KEY (job_id, name),
    FOREIGN KEY (job_id, format) REFERENCES job_formats (job_id, format) ON DELETE CASCADE
);

CREATE TABLE events (
    job_id   TEXT COLLATE "C" NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq      BIGINT NOT NULL,
    type     TEXT NOT NULL,
    format   TEXT NOT NULL,
    time     BIGINT,
    severity TEXT NOT NULL,
    message  TEXT NOT NULL,
    data     JSON,
    PRIMARY KEY (job_id, seq)
);

CREATE TABLE api_keys (
    hash   TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    name   TEXT NOT NULL,
    admin  BOOLEAN NOT NULL
);

-- +goose Down
DROP TABLE api_keys;
DROP TABLE events;
DROP TABLE files;
DROP TABLE job_formats;
DROP TABLE job_labels;
DROP TABLE jobs;
