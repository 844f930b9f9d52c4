-- As migrations/postgres/00003_models.sql, for SQLite.

-- +goose Up
CREATE TABLE job_models (
    job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    body   BLOB NOT NULL
) STRICT;

-- +goose Down
DROP TABLE job_models;
