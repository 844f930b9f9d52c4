package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header names of a delivery.
const (
	HeaderEvent     = "X-Arx-Event"     // event type, e.g. "job.completed"
	HeaderDelivery  = "X-Arx-Delivery"  // delivery id, the same on every retry
	HeaderSignature = "X-Arx-Signature" // Sign's value
)

// Errors wrapped by Verify's errors.
var (
	ErrSignatureMalformed = errors.New("webhooks: malformed signature header")
	ErrSignatureStale     = errors.New("webhooks: signature timestamp outside tolerance")
	ErrSignatureMismatch  = errors.New("webhooks: signature does not match")
)

// Sign returns the X-Arx-Signature value for body sent at t:
//
//	t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<unix seconds>.<body>")>
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

// Verify checks an X-Arx-Signature header against body. It fails with
// ErrSignatureMalformed when the header has no single t= or no v1=,
// ErrSignatureStale when t is more than tolerance away from now (either way),
// and ErrSignatureMismatch when no v1= value is the HMAC of body under secret.
// The header may carry several v1= values (one per secret while a secret is being
// rotated): one match is enough. Other keys (future schemes) are ignored.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: %q is not key=value", ErrSignatureMalformed, part)
		}
		switch k {
		case "t":
			if ts != "" {
				return fmt.Errorf("%w: more than one t=", ErrSignatureMalformed)
			}
			ts = v
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil {
				return fmt.Errorf("%w: v1 is not hex", ErrSignatureMalformed)
			}
			sigs = append(sigs, sig)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: t=%q is not a unix time", ErrSignatureMalformed, ts)
	}
	if len(sigs) == 0 {
		return fmt.Errorf("%w: no v1=", ErrSignatureMalformed)
	}
	if age := now.Sub(time.Unix(sec, 0)); age > tolerance || age < -tolerance {
		return fmt.Errorf("%w: signed %s from now, tolerance %s", ErrSignatureStale, age.Round(time.Second), tolerance)
	}
	want := mac(secret, ts, body)
	match := false
	for _, sig := range sigs {
		// hmac.Equal is constant-time; every value is compared.
		match = hmac.Equal(sig, want) || match
	}
	if !match {
		return ErrSignatureMismatch
	}
	return nil
}

func mac(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}
