// Package tasks names the asynq tasks of the export service, their JSON payloads
// (ids and storage keys, never models), the queues and their weights, timeouts
// scaled to model size, and the retry policy. Names and payloads are stable: they
// are what asynqmon shows and what workers of the previous release still read.
package tasks
