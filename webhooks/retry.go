package webhooks

import (
	"math/rand/v2"
	"time"
)

// MaxAge is how long a delivery is attempted, counted from Delivery.First.
const MaxAge = 24 * time.Hour

// MaxAttempts is the most attempts (the first one included) that Backoff's
// schedule fits into MaxAge: 31 with no jitter, 29 to 34 with it (34 when every
// delay is 10 % short). A retry limit set from it never ends deliveries before
// MaxAge; Expired does. asynq counts retries after the first attempt, so use
// asynq.MaxRetry(MaxAttempts - 1).
const MaxAttempts = 34

// schedule holds the nominal delay before each retry; the last one repeats.
var schedule = [...]time.Duration{
	10 * time.Second,
	30 * time.Second,
	1 * time.Minute,
	2 * time.Minute,
	5 * time.Minute,
	10 * time.Minute,
	20 * time.Minute,
	30 * time.Minute,
	1 * time.Hour,
}

// nominal is the delay before retry n+1 without jitter.
func nominal(n int) time.Duration {
	return schedule[min(max(n, 0), len(schedule)-1)]
}

// Backoff returns the delay before the next attempt, given n, the number of
// retries already made (asynq's RetryDelayFunc n: 0 after the first attempt
// failed). Delays are 10 s, 30 s, 1 min, 2 min, 5 min, 10 min, 20 min, 30 min,
// then 1 h each time, every one varied by a random ±10 % so that deliveries failed
// together do not retry together. Without jitter, attempts are made at 0,
// 10 s, 40 s, 1m40s, 3m40s, 8m40s, 18m40s, 38m40s, 1h08m40s, then hourly up to
// 23h08m40s: 31 attempts within MaxAge.
func Backoff(n int) time.Duration {
	d := nominal(n)
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
}

// Expired reports whether d is older than MaxAge at now, so that it is dropped
// instead of attempted. A zero First is always expired.
func Expired(d Delivery, now time.Time) bool {
	return now.Sub(d.First) > MaxAge
}
