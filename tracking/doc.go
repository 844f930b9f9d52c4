// Package tracking publishes what a running job is doing, where the API can serve
// it at once: a progress hash per job (one field per format), a capped Redis
// stream of the job's events in order, and the job's control state (running,
// paused, cancelled), which workers poll at their checkpoints. asynq has none of
// these (../shared/DESIGN.md). When a job ends its events are kept in the job
// store; the Redis keys then expire.
package tracking
