-- Small inline models, kept with their job in the transaction that records it
-- (jobs.model_key is then ''), so a submission is one write; larger ones go to
-- object storage.

-- +goose Up
CREATE TABLE job_models (
    job_id TEXT COLLATE "C" PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    body   BYTEA NOT NULL
);

-- +goose Down
DROP TABLE job_models;
