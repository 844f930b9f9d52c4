package model_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/arxos/arxport/gen"
	"github.com/arxos/arxport/model"
)

// generated opens a generated building of about n elements, as one document
// (held in memory) or as NDJSON (spooled).
func generated(t *testing.T, n int, seed int64, ndjson bool) *model.Model {
	t.Helper()
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Options{Elements: n, Seed: seed, NDJSON: ndjson}); err != nil {
		t.Fatal(err)
	}
	m, err := model.Open(context.Background(), &buf, &model.Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestSpoolRoundTrip reads a generated building held in memory (a document)
// and spooled (NDJSON) and checks every item comes back the same: the spool's
// codec, its cache of repeated text and numbers, and its shared allocations
// must not change a value, however many items pass through one reader.
func TestSpoolRoundTrip(t *testing.T) {
	// Each item is encoded as it is visited: the model reuses what it hands out.
	items := func(m *model.Model) (out [][]byte) {
		ctx := context.Background()
		add := func(v any) error {
			b, err := json.Marshal(v)
			out = append(out, b)
			return err
		}
		if err := m.Rooms(ctx, func(r *model.Room) error { return add(r) }); err != nil {
			t.Fatal(err)
		}
		if err := m.Elements(ctx, func(e *model.Element) error { return add(e) }); err != nil {
			t.Fatal(err)
		}
		if err := m.Connections(ctx, func(c *model.Connection) error { return add(c) }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	doc, nd := generated(t, 20000, 7, false), generated(t, 20000, 7, true)
	if nd.Source != "ndjson" {
		t.Fatalf("source %q", nd.Source)
	}
	a, b := items(doc), items(nd)
	if len(a) != len(b) || len(a) < 20000 {
		t.Fatalf("%d items in memory, %d spooled", len(a), len(b))
	}
	for i := range a {
		// NDJSON lines carry their floor and kind; the rest must be equal.
		var x, y map[string]any
		json.Unmarshal(a[i], &x)
		json.Unmarshal(b[i], &y)
		delete(x, "kind")
		delete(y, "kind")
		if xf, yf := x["floor"], y["floor"]; xf == nil || xf == yf {
			delete(x, "floor")
			delete(y, "floor")
		}
		ja, _ := json.Marshal(x)
		jb, _ := json.Marshal(y)
		if !bytes.Equal(ja, jb) {
			t.Fatalf("item %d differs:\nmemory  %s\nspooled %s", i, ja, jb)
		}
	}
}

// TestElementProps checks that ElementProps hands over what Elements does,
// the properties as a list in key order, from memory and from the spool.
func TestElementProps(t *testing.T) {
	for _, ndjson := range []bool{false, true} {
		m := generated(t, 5000, 3, ndjson)
		var want []string
		m.Elements(context.Background(), func(e *model.Element) error {
			b, _ := json.Marshal(e)
			want = append(want, string(b))
			return nil
		})
		i := 0
		err := m.ElementProps(context.Background(), func(e *model.Element, props []model.Prop) error {
			if e.Properties != nil {
				t.Fatalf("element %d keeps its map", i)
			}
			el := *e
			for k, p := range props {
				if k > 0 && props[k-1].Key >= p.Key {
					t.Fatalf("element %d: keys out of order: %q, %q", i, props[k-1].Key, p.Key)
				}
				if el.Properties == nil {
					el.Properties = model.Properties{}
				}
				el.Properties[p.Key] = p.Value
			}
			b, _ := json.Marshal(&el)
			if string(b) != want[i] {
				t.Fatalf("element %d (ndjson %v):\n%s\nElements gives\n%s", i, ndjson, b, want[i])
			}
			i++
			return nil
		})
		if err != nil || i != len(want) || i < 5000 {
			t.Fatalf("ndjson %v: %d elements of %d, %v", ndjson, i, len(want), err)
		}
	}
}
