// Package webhooks delivers job events to a caller's callback_url.
//
// A delivery is one event POSTed as JSON to the callback URL with three headers:
// X-Arx-Event (the event type), X-Arx-Delivery (an id that stays the same across
// retries, so receivers can drop duplicates) and X-Arx-Signature, an HMAC-SHA256 of
// the timestamp and body (Sign; receivers check it with Verify).
//
// A Guard keeps deliveries away from internal networks (SSRF): the API calls
// CheckURL when a job is submitted, Send calls it again before each attempt, and the
// Guard's dialer checks the address actually connected to, so a DNS answer that
// changes in between (DNS rebinding) cannot reach a refused address. Redirects are
// never followed.
//
// Each Delivery is one asynq task, its JSON the payload. A handler looks like:
//
//	var d webhooks.Delivery
//	if err := json.Unmarshal(t.Payload(), &d); err != nil {
//		return fmt.Errorf("%v: %w", err, asynq.SkipRetry)
//	}
//	if webhooks.Expired(d, time.Now()) {
//		return fmt.Errorf("delivery %s expired: %w", d.ID, asynq.SkipRetry)
//	}
//	err := sender.Send(ctx, d)
//	if errors.Is(err, webhooks.ErrPermanent) {
//		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
//	}
//	return err
//
// with the task enqueued with asynq.MaxRetry(webhooks.MaxAttempts-1) and the
// server's RetryDelayFunc answering webhooks.Backoff(n) for this task type.
package webhooks
