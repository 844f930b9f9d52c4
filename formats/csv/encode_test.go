package csv

import (
	"math/rand/v2"
	"testing"

	"github.com/arxos/arxport/converters/tables"
)

// TestPlainText checks the one-pass check against the long way: text it
// calls plain must come out of the guard and the quoting unchanged, and text
// the long way leaves unchanged may only be called plain or not for ends that
// need a second look.
func TestPlainText(t *testing.T) {
	const alphabet = "ab1 \t,\"\r\n=+-@'.é"
	rng := rand.New(rand.NewPCG(5, 6))
	letters := []rune(alphabet)
	for range 200_000 {
		n := rng.IntN(6)
		r := make([]rune, n)
		for i := range r {
			r[i] = letters[rng.IntN(len(letters))]
		}
		s := string(r)
		long := string(appendText(nil, tables.SafeText(s)))
		if plainText(s) && long != s {
			t.Fatalf("plainText(%q) but it is written %q", s, long)
		}
	}
	for _, s := range []string{"L1-W-0002", "wall", "reinforced concrete", "Möbelwerk Köln", "a-b"} {
		if !plainText(s) {
			t.Errorf("plainText(%q) = false", s)
		}
	}
}
