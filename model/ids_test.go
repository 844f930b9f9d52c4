package model

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestElementIDs checks the id index against a map, through many growths,
// with ids of every length up to past a chunk.
func TestElementIDs(t *testing.T) {
	x := newElementIDs()
	want := map[string]int{}
	walls := map[string]wallLine{}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 200_000 {
		id := fmt.Sprintf("L%d-W-%06d", i%97, i)
		switch i % 1000 {
		case 1:
			id = strings.Repeat("é", 300+i%50)
		case 2:
			id = strings.Repeat("x", 1<<chunkBits+i%7) // longer than a chunk
		}
		if _, dup := want[id]; dup {
			continue
		}
		key := i
		if rng.IntN(4) == 0 {
			key = -i - 1
		}
		var w *wallLine
		if i%3 == 0 {
			w = &wallLine{thickness: float64(i), height: 3}
			walls[id] = *w
		}
		x.add(id, key, w)
		want[id] = key
	}
	if len(x.ents) != len(want) {
		t.Fatalf("%d entries, want %d", len(x.ents), len(want))
	}
	for id, key := range want {
		got, ok := x.get(id)
		if !ok || got != key {
			t.Fatalf("get(%.20q) = %d, %v; want %d", id, got, ok, key)
		}
		w, ok := x.wall(id)
		if ww, isWall := walls[id]; ok != isWall || w != ww {
			t.Fatalf("wall(%.20q) = %v, %v; want %v, %v", id, w, ok, ww, isWall)
		}
	}
	for _, id := range []string{"", "L0-W-", "L1-W-000000", "nope", strings.Repeat("é", 299)} {
		if _, ok := x.get(id); ok {
			t.Errorf("get(%q) found an id never added", id)
		}
	}
}

func BenchmarkElementIDs(b *testing.B) {
	ids := make([]string, 1<<20)
	for i := range ids {
		ids[i] = fmt.Sprintf("L%d-W-%06d", i%97, i)
	}
	b.Run("index", func(b *testing.B) {
		for range b.N {
			x := newElementIDs()
			for i, id := range ids {
				x.add(id, i, nil)
			}
			for _, id := range ids {
				x.get(id)
			}
		}
	})
	b.Run("map", func(b *testing.B) {
		for range b.N {
			m := map[string]int{}
			for i, id := range ids {
				m[id] = i
			}
			for _, id := range ids {
				_ = m[id]
			}
		}
	})
}
