-- Analytics roll-ups, as migrations/postgres/00002_analytics.sql says, for SQLite:
-- STRICT tables, INTEGER for BIGINT, REAL for DOUBLE PRECISION, TEXT for JSON.

-- +goose Up
-- Roll-ups select finished jobs by finished_at, as they do formats.
CREATE INDEX jobs_finished_at ON jobs (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE analytics_formats (
    grain         TEXT NOT NULL,
    bucket        INTEGER NOT NULL,
    tenant        TEXT NOT NULL,
    user_name     TEXT NOT NULL,
    format        TEXT NOT NULL,
    status        TEXT NOT NULL,
    priority      TEXT NOT NULL,
    formats       INTEGER NOT NULL,
    duration_sum  INTEGER NOT NULL,
    duration_min  INTEGER NOT NULL,
    duration_max  INTEGER NOT NULL,
    duration_hist TEXT NOT NULL,
    wait_count    INTEGER NOT NULL,
    wait_sum      INTEGER NOT NULL,
    wait_max      INTEGER NOT NULL,
    wait_hist     TEXT NOT NULL,
    bytes         INTEGER NOT NULL,
    elements      INTEGER NOT NULL,
    fit_n         INTEGER NOT NULL,
    fit_x         REAL NOT NULL,
    fit_y         REAL NOT NULL,
    fit_b         REAL NOT NULL,
    fit_xx        REAL NOT NULL,
    fit_xy        REAL NOT NULL,
    fit_xb        REAL NOT NULL,
    last_at       INTEGER NOT NULL,
    PRIMARY KEY (grain, bucket, tenant, user_name, format, status, priority)
) STRICT;
CREATE INDEX analytics_formats_tenant ON analytics_formats (tenant, grain, bucket);

CREATE TABLE analytics_jobs (
    grain     TEXT NOT NULL,
    bucket    INTEGER NOT NULL,
    tenant    TEXT NOT NULL,
    user_name TEXT NOT NULL,
    status    TEXT NOT NULL,
    jobs      INTEGER NOT NULL,
    last_at   INTEGER NOT NULL,
    PRIMARY KEY (grain, bucket, tenant, user_name, status)
) STRICT;
CREATE INDEX analytics_jobs_tenant ON analytics_jobs (tenant, grain, bucket);

CREATE TABLE analytics_errors (
    grain      TEXT NOT NULL,
    bucket     INTEGER NOT NULL,
    tenant     TEXT NOT NULL,
    format     TEXT NOT NULL,
    error_code TEXT NOT NULL,
    count      INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    PRIMARY KEY (grain, bucket, tenant, format, error_code)
) STRICT;
CREATE INDEX analytics_errors_tenant ON analytics_errors (tenant, grain, bucket);

CREATE TABLE analytics_concurrency (
    bucket INTEGER NOT NULL,
    tenant TEXT NOT NULL,
    peak   INTEGER NOT NULL,
    PRIMARY KEY (bucket, tenant)
) STRICT;
CREATE INDEX analytics_concurrency_tenant ON analytics_concurrency (tenant, bucket);

-- +goose Down
DROP TABLE analytics_concurrency;
DROP TABLE analytics_errors;
DROP TABLE analytics_jobs;
DROP TABLE analytics_formats;
DROP INDEX jobs_finished_at;
