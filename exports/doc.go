// Package exports is the export service's core, shared by the HTTP API, the
// workers and other backend services that enqueue jobs from Go: submitting a job
// (validation, the job record, the tasks, the events), controlling it (cancel,
// pause, resume, delete), and the job as callers see it (API.md). The HTTP API
// is a thin layer over Service; so is the typed HTTP client in package client,
// which answers the same types.
package exports
