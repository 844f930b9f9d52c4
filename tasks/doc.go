// Package tasks will hold the asynq task types and payloads of the export service
// (ids and storage keys, never models), its queues and retry policy. It is filled
// by the service work (issue 3); the local CLI needs none of it.
package tasks
