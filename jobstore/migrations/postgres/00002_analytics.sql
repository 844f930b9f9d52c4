-- Analytics roll-ups (package analytics), recomputed from jobs and job_formats by
-- analytics.Rollup: delete-and-insert of whole buckets in one transaction, so a
-- roll-up run twice leaves the same rows. Buckets are UTC hours or days, their
-- start in Unix microseconds like every time of the job store; grain says which.
-- Day rows are merged from hour rows. Histograms are JSON arrays of counts over
-- the fixed log-spaced bounds of analytics.Bounds (trailing zeros left out), so
-- percentiles of any set of rows come from summing their arrays.

-- +goose Up
-- Roll-ups select finished jobs by finished_at, as they do formats.
CREATE INDEX jobs_finished_at ON jobs (finished_at) WHERE finished_at IS NOT NULL;

-- Finished formats, by the hour (or day) of finished_at.
CREATE TABLE analytics_formats (
    grain         TEXT NOT NULL,             -- 'hour' or 'day'
    bucket        BIGINT NOT NULL,           -- bucket start, Unix µs
    tenant        TEXT NOT NULL,
    user_name     TEXT NOT NULL,
    format        TEXT NOT NULL,
    status        TEXT NOT NULL,             -- completed, failed, cancelled
    priority      TEXT NOT NULL,             -- the job's
    formats       BIGINT NOT NULL,           -- how many
    duration_sum  BIGINT NOT NULL,           -- ms
    duration_min  BIGINT NOT NULL,
    duration_max  BIGINT NOT NULL,
    duration_hist JSON NOT NULL,
    wait_count    BIGINT NOT NULL,           -- formats that started: queue wait = started_at - job created_at
    wait_sum      BIGINT NOT NULL,           -- ms
    wait_max      BIGINT NOT NULL,
    wait_hist     JSON NOT NULL,
    bytes         BIGINT NOT NULL,
    elements      BIGINT NOT NULL,
    -- least-squares sums over the formats with elements > 0: x = elements,
    -- y = duration_ms, b = bytes
    fit_n         BIGINT NOT NULL,
    fit_x         DOUBLE PRECISION NOT NULL,
    fit_y         DOUBLE PRECISION NOT NULL,
    fit_b         DOUBLE PRECISION NOT NULL,
    fit_xx        DOUBLE PRECISION NOT NULL,
    fit_xy        DOUBLE PRECISION NOT NULL,
    fit_xb        DOUBLE PRECISION NOT NULL,
    last_at       BIGINT NOT NULL,           -- latest finished_at
    PRIMARY KEY (grain, bucket, tenant, user_name, format, status, priority)
);
CREATE INDEX analytics_formats_tenant ON analytics_formats (tenant, grain, bucket);

-- Finished jobs, by the hour (or day) of the job's finished_at.
CREATE TABLE analytics_jobs (
    grain     TEXT NOT NULL,
    bucket    BIGINT NOT NULL,
    tenant    TEXT NOT NULL,
    user_name TEXT NOT NULL,
    status    TEXT NOT NULL,                 -- completed, partial, failed, cancelled
    jobs      BIGINT NOT NULL,
    last_at   BIGINT NOT NULL,
    PRIMARY KEY (grain, bucket, tenant, user_name, status)
);
CREATE INDEX analytics_jobs_tenant ON analytics_jobs (tenant, grain, bucket);

-- Failed formats by error code.
CREATE TABLE analytics_errors (
    grain      TEXT NOT NULL,
    bucket     BIGINT NOT NULL,
    tenant     TEXT NOT NULL,
    format     TEXT NOT NULL,
    error_code TEXT NOT NULL,
    count      BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    PRIMARY KEY (grain, bucket, tenant, format, error_code)
);
CREATE INDEX analytics_errors_tenant ON analytics_errors (tenant, grain, bucket);

-- The most formats running at once within each hour (from the started_at and
-- finished_at of finished formats); tenant '' is every tenant together.
CREATE TABLE analytics_concurrency (
    bucket BIGINT NOT NULL,                  -- hour start, Unix µs
    tenant TEXT NOT NULL,
    peak   BIGINT NOT NULL,
    PRIMARY KEY (bucket, tenant)
);
CREATE INDEX analytics_concurrency_tenant ON analytics_concurrency (tenant, bucket);

-- +goose Down
DROP TABLE analytics_concurrency;
DROP TABLE analytics_errors;
DROP TABLE analytics_jobs;
DROP TABLE analytics_formats;
DROP INDEX jobs_finished_at;
