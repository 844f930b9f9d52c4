// Package tracking will hold job progress and events as the service publishes them
// to Redis and Postgres (issue 3). Formats already report progress through
// formats.Progress, which the CLI's progress bar consumes.
package tracking
