package client

import (
	"context"

	"github.com/arxos/arxport/exports"
	"github.com/arxos/arxport/jobstore"
)

// Direct uses the service in process, as the given caller (tenant and user):
// for backend services that share the export service's Redis, job store and
// storage (app.Open with the same configuration) and would rather not go
// through HTTP.
type Direct struct {
	Service *exports.Service
	Caller  exports.Caller
}

func (d *Direct) view(ctx context.Context, j *jobstore.Job, err error) (exports.Job, error) {
	if err != nil {
		return exports.Job{}, err
	}
	return d.Service.View(ctx, j), nil
}

// Submit validates, records and enqueues a job, exactly as POST /v1/exports.
// The request hash that guards an idempotency key is computed as the API does,
// over the request's JSON.
func (d *Direct) Submit(ctx context.Context, r exports.Request, idempotencyKey string) (exports.Job, error) {
	hash, err := exports.RequestHash(r)
	if err != nil {
		return exports.Job{}, err
	}
	j, _, err := d.Service.Submit(ctx, d.Caller, r, exports.Meta{IdempotencyKey: idempotencyKey, RequestHash: hash})
	return d.view(ctx, j, err)
}

// Get answers a job.
func (d *Direct) Get(ctx context.Context, id string) (exports.Job, error) {
	j, err := d.Service.Get(ctx, d.Caller, id)
	return d.view(ctx, j, err)
}

// Cancel cancels a job.
func (d *Direct) Cancel(ctx context.Context, id string) (exports.Job, error) {
	j, err := d.Service.Cancel(ctx, d.Caller, id)
	return d.view(ctx, j, err)
}

// Pause pauses a job.
func (d *Direct) Pause(ctx context.Context, id string) (exports.Job, error) {
	j, err := d.Service.Pause(ctx, d.Caller, id)
	return d.view(ctx, j, err)
}

// Resume resumes a job.
func (d *Direct) Resume(ctx context.Context, id string) (exports.Job, error) {
	j, err := d.Service.Resume(ctx, d.Caller, id)
	return d.view(ctx, j, err)
}

// Delete removes a job.
func (d *Direct) Delete(ctx context.Context, id string) error {
	return d.Service.Delete(ctx, d.Caller, id)
}

var (
	_ Exporter = (*Client)(nil)
	_ Exporter = (*Direct)(nil)
)
