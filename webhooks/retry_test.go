package webhooks

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	prev := time.Duration(0)
	for n := -1; n < 100; n++ {
		nom := nominal(n)
		if nom < prev || nom > time.Hour {
			t.Fatalf("nominal(%d) = %s after %s: not non-decreasing and capped at 1h", n, nom, prev)
		}
		prev = nom
		for range 20 {
			if d := Backoff(n); d < nom-nom/10 || d > nom+nom/10 {
				t.Fatalf("Backoff(%d) = %s, want %s ± 10 %%", n, d, nom)
			}
		}
	}
	if nominal(0) != 10*time.Second || nominal(1000) != time.Hour {
		t.Fatalf("nominal(0), nominal(1000) = %s, %s; want 10s, 1h", nominal(0), nominal(1000))
	}
}

// attempts counts the attempts made within MaxAge when every delay is nominal
// times num/10.
func attempts(num int) int {
	at, count := time.Duration(0), 1
	for n := 0; ; n++ {
		at += nominal(n) * time.Duration(num) / 10
		if at > MaxAge {
			return count
		}
		count++
	}
}

func TestMaxAttempts(t *testing.T) {
	if got := attempts(10); got != 31 {
		t.Errorf("attempts without jitter = %d, want 31 (as documented)", got)
	}
	if got := attempts(11); got != 29 {
		t.Errorf("attempts with delays 10 %% long = %d, want 29 (as documented)", got)
	}
	if got := attempts(9); got != MaxAttempts {
		t.Errorf("attempts with delays 10 %% short = %d, want MaxAttempts = %d", got, MaxAttempts)
	}
}

func TestExpired(t *testing.T) {
	now := time.Now()
	for _, tt := range []struct {
		first time.Time
		want  bool
	}{
		{now, false},
		{now.Add(-MaxAge), false},
		{now.Add(-MaxAge - time.Second), true},
		{time.Time{}, true},
	} {
		if got := Expired(Delivery{First: tt.first}, now); got != tt.want {
			t.Errorf("Expired(first %s) = %v, want %v", tt.first, got, tt.want)
		}
	}
}
