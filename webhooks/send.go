package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// ErrPermanent is wrapped by Send's errors that retrying cannot fix: the receiver
// answered 410 Gone, or the URL is refused (the error wraps ErrRefused too).
var ErrPermanent = errors.New("permanent failure")

// Delivery is one event to deliver to one callback URL: the payload of its task.
type Delivery struct {
	ID    string          `json:"id"`     // X-Arx-Delivery, the same on every attempt
	JobID string          `json:"job_id"` // job the event belongs to
	Event string          `json:"event"`  // X-Arx-Event, e.g. "job.completed"
	URL   string          `json:"url"`    // callback URL
	Body  json.RawMessage `json:"body"`   // the event, sent as it is
	First time.Time       `json:"first"`  // when the delivery was created; see Expired
}

// Sender makes delivery attempts.
type Sender struct {
	Secret    []byte       // signing secret
	Guard     *Guard       // checks the URL before each attempt
	Client    *http.Client // should dial through Guard and not follow redirects (Guard.Client)
	UserAgent string
}

// NewSender returns a Sender signing with secret, guarded by g (a nil g is the
// zero Guard: public addresses only) and giving up on an attempt after 10 s.
func NewSender(secret []byte, g *Guard) *Sender {
	if g == nil {
		g = &Guard{}
	}
	return &Sender{Secret: secret, Guard: g, Client: g.Client(10 * time.Second), UserAgent: "arxport-webhooks/1"}
}

// drainLimit is how much of a response body is read, so its connection can be reused.
const drainLimit = 64 << 10

// Send makes one attempt to deliver d: a POST of d.Body signed at the time of the
// attempt. A 2xx answer is success (nil). A 410 Gone answer or a refused URL gives
// an error wrapping ErrPermanent. Anything else (network error, timeout, 3xx, 429,
// another 4xx, 5xx) gives an error worth retrying, saying what happened. Errors
// never include the URL, which may carry a token.
func (s *Sender) Send(ctx context.Context, d Delivery) error {
	if err := s.Guard.CheckURL(ctx, d.URL); err != nil {
		return failed(d, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return failed(d, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.UserAgent)
	req.Header.Set(HeaderEvent, d.Event)
	req.Header.Set(HeaderDelivery, d.ID)
	req.Header.Set(HeaderSignature, Sign(s.Secret, time.Now(), d.Body))
	resp, err := s.Client.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // without the URL
		}
		return failed(d, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
	resp.Body.Close()
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusGone:
		return fmt.Errorf("webhooks: delivery %s: %w: receiver answered %d %s", d.ID, ErrPermanent, code, http.StatusText(code))
	default:
		return fmt.Errorf("webhooks: delivery %s: receiver answered %d %s", d.ID, code, http.StatusText(code))
	}
}

// failed wraps an attempt's error, as permanent if the URL was refused.
func failed(d Delivery, err error) error {
	if errors.Is(err, ErrRefused) {
		return fmt.Errorf("webhooks: delivery %s: %w: %w", d.ID, ErrPermanent, err)
	}
	return fmt.Errorf("webhooks: delivery %s: %w", d.ID, err)
}
