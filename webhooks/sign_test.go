package webhooks

import (
	"errors"
	"testing"
	"time"
)

var (
	testSecret = []byte("whsec_test")
	testBody   = []byte(`{"type":"job.completed"}`)
	testTime   = time.Unix(1700000000, 0)
)

func TestSignKnownValue(t *testing.T) {
	// printf '%s' '1700000000.{"type":"job.completed"}' | openssl dgst -sha256 -hmac whsec_test
	want := "t=1700000000,v1=65202b6cea085bd8d9ebde9f2cb003aa41f15b9974eec6035d1fe16a9d552cff"
	if got := Sign(testSecret, testTime, testBody); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	h := Sign(testSecret, testTime, testBody)
	old := Sign([]byte("whsec_old"), testTime, testBody)
	both := h + "," + old[len("t=1700000000,"):]
	tests := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"round trip", testSecret, h, testBody, testTime.Add(time.Minute), nil},
		{"signed slightly ahead", testSecret, h, testBody, testTime.Add(-time.Minute), nil},
		{"rotation, new secret", testSecret, both, testBody, testTime, nil},
		{"rotation, old secret", []byte("whsec_old"), both, testBody, testTime, nil},
		{"unknown scheme ignored", testSecret, "t=1700000000, v0=abcd, " + h[len("t=1700000000,"):], testBody, testTime, nil},
		{"tampered body", testSecret, h, []byte(`{"type":"job.failed"}`), testTime, ErrSignatureMismatch},
		{"wrong secret", []byte("whsec_other"), h, testBody, testTime, ErrSignatureMismatch},
		{"stale", testSecret, h, testBody, testTime.Add(5*time.Minute + time.Second), ErrSignatureStale},
		{"from the future", testSecret, h, testBody, testTime.Add(-6 * time.Minute), ErrSignatureStale},
		{"empty", testSecret, "", testBody, testTime, ErrSignatureMalformed},
		{"garbage", testSecret, "garbage", testBody, testTime, ErrSignatureMalformed},
		{"no t", testSecret, h[len("t=1700000000,"):], testBody, testTime, ErrSignatureMalformed},
		{"no v1", testSecret, "t=1700000000", testBody, testTime, ErrSignatureMalformed},
		{"bad t", testSecret, "t=soon," + h[len("t=1700000000,"):], testBody, testTime, ErrSignatureMalformed},
		{"two t", testSecret, "t=1700000000," + h, testBody, testTime, ErrSignatureMalformed},
		{"v1 not hex", testSecret, "t=1700000000,v1=zz", testBody, testTime, ErrSignatureMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.header, tt.body, tt.now, 5*time.Minute)
			if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
				t.Fatalf("Verify(%q) = %v, want %v", tt.header, err, tt.want)
			}
		})
	}
}
