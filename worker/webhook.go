package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/arxos/arxport/webhooks"
)

// HandleWebhook is the asynq handler of tasks.TypeWebhook: one delivery
// attempt; asynq retries failures with webhooks.Backoff until the delivery is
// a day old or the receiver refused it for good.
func HandleWebhook(s *webhooks.Sender, log *slog.Logger) asynq.HandlerFunc {
	return func(ctx context.Context, t *asynq.Task) error {
		var d webhooks.Delivery
		if err := json.Unmarshal(t.Payload(), &d); err != nil {
			return fmt.Errorf("%w: webhook payload: %v", asynq.SkipRetry, err)
		}
		err := s.Send(ctx, d)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, webhooks.ErrPermanent):
			log.Warn("webhook refused for good", "job_id", d.JobID, "event", d.Event, "err", err)
			return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
		case webhooks.Expired(d, time.Now()):
			log.Warn("webhook given up after a day", "job_id", d.JobID, "event", d.Event, "err", err)
			return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
		}
		log.Info("webhook failed, retrying", "job_id", d.JobID, "event", d.Event, "err", err)
		return err
	}
}
