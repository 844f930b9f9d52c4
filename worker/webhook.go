package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"go.opentelemetry.io/otel/attribute"

	"github.com/arxos/arxport/observe"
	"github.com/arxos/arxport/webhooks"
)

// HandleWebhook is the asynq handler of tasks.TypeWebhook: one delivery
// attempt; asynq retries failures with webhooks.Backoff until the delivery is
// a day old or the receiver refused it for good. Each attempt is a span in the
// trace of the work that made the event (the payload's traceparent).
func HandleWebhook(s *webhooks.Sender, log *slog.Logger) asynq.HandlerFunc {
	return func(ctx context.Context, t *asynq.Task) (err error) {
		var d struct {
			webhooks.Delivery
			TraceParent string `json:"traceparent"`
		}
		if err := json.Unmarshal(t.Payload(), &d); err != nil {
			return fmt.Errorf("%w: webhook payload: %v", asynq.SkipRetry, err)
		}
		ctx, span := observe.StartTask(ctx, d.TraceParent, "webhook "+d.Event,
			attribute.String("arxport.job_id", d.JobID), attribute.String("arxport.event", d.Event),
			attribute.String("arxport.delivery", d.ID))
		defer func() { observe.End(span, err) }()
		if n, ok := asynq.GetRetryCount(ctx); ok {
			span.SetAttributes(attribute.Int("arxport.attempt", n+1))
		}
		err = s.Send(ctx, d.Delivery)
		switch {
		case err == nil:
			observe.WebhookDelivery(observe.DeliveryDelivered)
			return nil
		case errors.Is(err, webhooks.ErrPermanent):
			observe.WebhookDelivery(observe.DeliveryGivenUp)
			log.WarnContext(ctx, "webhook refused for good", "job_id", d.JobID, "event", d.Event, "err", err)
			return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
		case webhooks.Expired(d.Delivery, time.Now()):
			observe.WebhookDelivery(observe.DeliveryGivenUp)
			log.WarnContext(ctx, "webhook given up after a day", "job_id", d.JobID, "event", d.Event, "err", err)
			return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
		case !retriesLeft(ctx):
			observe.WebhookDelivery(observe.DeliveryGivenUp)
			log.WarnContext(ctx, "webhook given up: no attempts left", "job_id", d.JobID, "event", d.Event, "err", err)
			return err
		}
		observe.WebhookDelivery(observe.DeliveryRetried)
		log.InfoContext(ctx, "webhook failed, retrying", "job_id", d.JobID, "event", d.Event, "err", err)
		return err
	}
}
