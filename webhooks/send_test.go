package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// receiver is an httptest server counting its requests; the handler answers them.
func receiver(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// loopbackSender returns a Sender whose guard allowlists the loopback networks,
// where httptest servers listen.
func loopbackSender(t *testing.T) *Sender {
	t.Helper()
	allow, err := ParseAllow("127.0.0.0/8,::1/128")
	if err != nil {
		t.Fatal(err)
	}
	return NewSender(testSecret, &Guard{Allow: allow})
}

func delivery(u string) Delivery {
	return Delivery{ID: "dlv_1", JobID: "job_1", Event: "job.completed", URL: u, Body: json.RawMessage(testBody), First: time.Now()}
}

func TestSendSignedAndVerified(t *testing.T) {
	srv, hits := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := Verify(testSecret, r.Header.Get(HeaderSignature), body, time.Now(), time.Minute); err != nil {
			t.Errorf("receiver: Verify: %v", err)
		}
		for h, want := range map[string]string{
			HeaderEvent:    "job.completed",
			HeaderDelivery: "dlv_1",
			"Content-Type": "application/json",
			"User-Agent":   "arxport-webhooks/1",
		} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("receiver: %s = %q, want %q", h, got, want)
			}
		}
		if r.Method != http.MethodPost || string(body) != string(testBody) {
			t.Errorf("receiver: got %s %q", r.Method, body)
		}
		w.WriteHeader(http.StatusNoContent)
	})
	if err := loopbackSender(t).Send(context.Background(), delivery(srv.URL+"/hook")); err != nil {
		t.Fatalf("Send = %v", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("receiver got %d requests, want 1", hits.Load())
	}
}

func TestSendAllowlistedHostName(t *testing.T) {
	srv, hits := receiver(t, func(w http.ResponseWriter, r *http.Request) {})
	u, _ := url.Parse(srv.URL)
	allow, _ := ParseAllow("hooks.internal")
	g := &Guard{Allow: allow, Resolver: hosts(map[string][]string{"hooks.internal": {u.Hostname()}})}
	if err := NewSender(testSecret, g).Send(context.Background(), delivery("http://hooks.internal:"+u.Port()+"/")); err != nil {
		t.Fatalf("Send = %v", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("receiver got %d requests, want 1", hits.Load())
	}
}

func TestSendStatuses(t *testing.T) {
	tests := []struct {
		code      int
		permanent bool
	}{
		{http.StatusOK, false},
		{http.StatusAccepted, false},
		{http.StatusGone, true},
		{http.StatusInternalServerError, false},
		{http.StatusServiceUnavailable, false},
		{http.StatusTooManyRequests, false},
		{http.StatusNotFound, false},
		{http.StatusBadRequest, false},
	}
	for _, tt := range tests {
		srv, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tt.code)
			io.WriteString(w, strings.Repeat("x", 1<<20)) // more than is drained
		})
		err := loopbackSender(t).Send(context.Background(), delivery(srv.URL))
		switch {
		case tt.code < 300:
			if err != nil {
				t.Errorf("%d: Send = %v, want nil", tt.code, err)
			}
		case err == nil || errors.Is(err, ErrPermanent) != tt.permanent || !strings.Contains(err.Error(), http.StatusText(tt.code)):
			t.Errorf("%d: Send = %v, want permanent=%v saying the status", tt.code, err, tt.permanent)
		}
	}
}

func TestSendDoesNotFollowRedirects(t *testing.T) {
	target, targetHits := receiver(t, func(w http.ResponseWriter, r *http.Request) {})
	for _, to := range []string{"http://10.0.0.1/hook", "http://169.254.169.254/latest/meta-data/", target.URL} {
		srv, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, to, http.StatusTemporaryRedirect)
		})
		err := loopbackSender(t).Send(context.Background(), delivery(srv.URL))
		if err == nil || errors.Is(err, ErrPermanent) || !strings.Contains(err.Error(), "307") {
			t.Errorf("redirect to %s: Send = %v, want a retryable error saying 307", to, err)
		}
	}
	if targetHits.Load() != 0 {
		t.Errorf("redirect target got %d requests, want 0", targetHits.Load())
	}
}

func TestSendRefusedURL(t *testing.T) {
	srv, hits := receiver(t, func(w http.ResponseWriter, r *http.Request) {})
	err := NewSender(testSecret, nil).Send(context.Background(), delivery(srv.URL))
	if !errors.Is(err, ErrPermanent) || !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("Send = %v, want ErrPermanent and ErrRefused saying loopback", err)
	}
	if hits.Load() != 0 {
		t.Fatalf("receiver got %d requests, want 0", hits.Load())
	}
}

// TestSendDNSRebinding resolves a name to a public address when the URL is
// checked, then to loopback when it is dialled: the dialer's check refuses it.
func TestSendDNSRebinding(t *testing.T) {
	srv, hits := receiver(t, func(w http.ResponseWriter, r *http.Request) {})
	u, _ := url.Parse(srv.URL)
	var lookups atomic.Int32
	g := &Guard{Resolver: resolverFunc(func(context.Context, string, string) ([]netip.Addr, error) {
		if lookups.Add(1) == 1 {
			return []netip.Addr{netip.MustParseAddr("93.184.215.14")}, nil
		}
		return []netip.Addr{netip.MustParseAddr(u.Hostname())}, nil
	})}
	err := NewSender(testSecret, g).Send(context.Background(), delivery("http://rebind.test:"+u.Port()+"/"))
	if !errors.Is(err, ErrRefused) || !errors.Is(err, ErrPermanent) {
		t.Fatalf("Send = %v, want ErrRefused and ErrPermanent", err)
	}
	if lookups.Load() != 2 || hits.Load() != 0 {
		t.Fatalf("%d lookups, %d requests; want 2 lookups, no request", lookups.Load(), hits.Load())
	}
}

func TestSendNetworkErrorIsRetryable(t *testing.T) {
	srv, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {})
	srv.Close()
	err := loopbackSender(t).Send(context.Background(), delivery(srv.URL+"/hook?token=s3cret"))
	if err == nil || errors.Is(err, ErrPermanent) {
		t.Fatalf("Send = %v, want a retryable error", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error shows the URL: %v", err)
	}
}

func TestDeliveryJSON(t *testing.T) {
	d := delivery("https://public.test/hook")
	d.First = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"dlv_1","job_id":"job_1","event":"job.completed","url":"https://public.test/hook","body":{"type":"job.completed"},"first":"2025-01-02T03:04:05Z"}`
	if string(b) != want {
		t.Fatalf("JSON = %s, want %s", b, want)
	}
}
