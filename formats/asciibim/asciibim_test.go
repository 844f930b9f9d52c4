package asciibim_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/arxos/arxport/converters/plan"
	"github.com/arxos/arxport/converters/plan/plantest"
	"github.com/arxos/arxport/formats/asciibim"
	"github.com/arxos/arxport/formats/formattest"
	"github.com/arxos/arxport/model"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func models(t testing.TB) []plantest.Model {
	t.Helper()
	ms, err := plantest.Models()
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func TestConformance(t *testing.T) {
	var texts []string
	for _, m := range models(t) {
		texts = append(texts, m.Text)
	}
	formattest.Run(t, "asciibim", texts...)
}

// write converts m and returns the file and the warnings.
func write(t testing.TB, m *model.Model, opts map[string]any) ([]byte, []model.Problem) {
	t.Helper()
	return formattest.Single(t, "asciibim", m, opts, "model.bim.txt", asciibim.ContentType)
}

// TestRoundTrip writes every test model, reads it back and compares floors,
// rooms, equipment and connections with the plan.
func TestRoundTrip(t *testing.T) {
	for _, tm := range models(t) {
		t.Run(tm.Name, func(t *testing.T) {
			t.Parallel()
			m := formattest.Open(t, tm.Text)
			for _, opts := range []map[string]any{nil, {"width": 40, "square": true}} {
				b, _ := write(t, m, opts)
				checkDoc(t, m, b, opts)
			}
		})
	}
}

func checkDoc(t *testing.T, m *model.Model, b []byte, opts map[string]any) {
	t.Helper()
	if !utf8.Valid(b) {
		t.Fatal("not UTF-8")
	}
	d, err := asciibim.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if !d.ChecksumOK {
		t.Errorf("checksum does not match")
	}
	p, err := plan.Build(context.Background(), m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Building != m.Building.Name || d.FileVersion != "1.0.0" || d.Generated != "2026-11-28T12:00:00Z" ||
		d.CoordinateSystem != "TOP_LEFT_ORIGIN" || d.Units != "METERS" {
		t.Errorf("header %q %q %q %q %q", d.Building, d.FileVersion, d.Generated, d.CoordinateSystem, d.Units)
	}
	if len(d.Floors) != len(p.Floors) {
		t.Fatalf("%d floors, want %d", len(d.Floors), len(p.Floors))
	}
	width := 120
	if opts != nil {
		width = opts["width"].(int)
	}
	var ids, want []string
	for i, f := range d.Floors {
		pf := p.Floors[i]
		if f.Level != pf.Level || f.Name != pf.Name || f.Empty != pf.Empty {
			t.Errorf("floor %d: %d %q empty=%v, want %d %q %v", i, f.Level, f.Name, f.Empty, pf.Level, pf.Name, pf.Empty)
		}
		if len(f.Layout) == 0 {
			t.Errorf("floor %d: no layout", i)
		}
		for k, l := range f.Layout {
			if len(l) != len(f.Layout[0]) || len(l) > width {
				t.Errorf("floor %d line %d: %d columns, first line %d, width %d", i, k, len(l), len(f.Layout[0]), width)
			}
			for _, c := range []byte(l) {
				if c < 0x20 || c > 0x7e || c == ':' || c == '=' {
					t.Fatalf("floor %d line %d: character %q in the layout", i, k, c)
				}
			}
		}
		if len(f.Layout) > width {
			t.Errorf("floor %d: %d lines", i, len(f.Layout))
		}
		if f.CharWidth <= 0 || f.LineHeight != f.CharWidth*map[bool]float64{true: 1, false: 2}[opts != nil] {
			t.Errorf("floor %d: scale %g x %g", i, f.CharWidth, f.LineHeight)
		}
		if len(f.Rooms) != len(pf.Rooms) {
			t.Errorf("floor %d: %d rooms, want %d", i, len(f.Rooms), len(pf.Rooms))
		} else {
			for k, r := range f.Rooms {
				if r.ID != pf.Rooms[k].ID || r.Name != pf.Rooms[k].Name {
					t.Errorf("room %q %q, want %q %q", r.ID, r.Name, pf.Rooms[k].ID, pf.Rooms[k].Name)
				}
				if r.LabelLine >= 0 {
					// "NAME ID" on the label's line, or NAME over ID.
					two := f.Layout[r.LabelLine]
					if r.LabelLine+1 < len(f.Layout) {
						two += "\n" + f.Layout[r.LabelLine+1]
					}
					if !strings.Contains(two, label(r.ID)) {
						t.Errorf("room %s: label lines %q do not show its id", r.ID, two)
					}
				}
			}
		}
		for k, e := range f.Equipment {
			ids = append(ids, e.ID)
			s := pf.Equipment[k]
			if e.Type != s.System+"."+s.Kind || e.Status != strings.ToUpper(s.Status) || e.Room != s.Room || e.Model != s.Model {
				t.Errorf("equipment %s: %+v, plan %+v", e.ID, e, s)
			}
			if e.Line < 0 || e.Line >= len(f.Layout) || e.Col < 0 || e.Col >= len(f.Layout[e.Line]) {
				t.Errorf("equipment %s: cell (%d,%d) outside the layout", e.ID, e.Col, e.Line)
				continue
			}
			ch := f.Layout[e.Line][e.Col]
			if !strings.ContainsRune("+@$~%!*", rune(ch)) && !(ch == 'D' && e.Status != "FAILED" && !e.Critical) {
				t.Errorf("equipment %s: no symbol at its cell (%d,%d): %q", e.ID, e.Col, e.Line, ch)
			}
		}
		for _, s := range pf.Equipment {
			want = append(want, s.ID)
		}
	}
	if !slices.Equal(ids, want) {
		t.Errorf("equipment ids %v, want %v", ids, want)
	}
	if d.EquipmentCount != len(want) || d.ConnectionCount != m.Stats.Connections || d.Connections() != m.Stats.Connections {
		t.Errorf("counts: equipment %d (%d), connections %d listed %d, model %d",
			d.EquipmentCount, len(want), d.ConnectionCount, d.Connections(), m.Stats.Connections)
	}
	var conns []asciibim.Connection
	for _, f := range d.Floors {
		conns = append(conns, f.Connections...)
	}
	for _, c := range p.Connections {
		if !slices.Contains(conns, asciibim.Connection{Type: c.Type, From: c.From, To: c.To, Spec: c.Spec}) {
			t.Errorf("connection %+v not read back", c)
		}
	}
}

// label is how an ASCII id appears in the layout.
func label(id string) string { return strings.ToUpper(id) }

// TestEdited changes one character of the layout, or one of the registry, and
// expects the checksum to fail; a CRLF copy fails too but still reads.
func TestEdited(t *testing.T) {
	text, _ := plantest.Example("tech-tower.json")
	m := formattest.Open(t, text)
	b, _ := write(t, m, nil)
	for _, edit := range []func([]byte) []byte{
		func(b []byte) []byte { return bytes.Replace(b, []byte("MAIN LOBBY"), []byte("MAIN LOBBX"), 1) },
		func(b []byte) []byte {
			return bytes.Replace(b, []byte("STATUS: OPERATIONAL"), []byte("STATUS: FAILED"), 1)
		},
		func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) },
		func(b []byte) []byte {
			return bytes.Replace(b, []byte("CHECKSUM: SHA256:"), []byte("CHECKSUM: SHA256:0"), 1)
		},
	} {
		e := edit(slices.Clone(b))
		if bytes.Equal(e, b) {
			t.Fatal("the edit changed nothing")
		}
		d, err := asciibim.Read(bytes.NewReader(e))
		if err != nil {
			t.Fatalf("Read edited: %v", err)
		}
		if d.ChecksumOK {
			t.Error("an edited file passes its checksum")
		}
		if len(d.Floors) != 2 || len(d.EquipmentIDs()) != 10 {
			t.Errorf("edited file: %d floors, %d equipment", len(d.Floors), len(d.EquipmentIDs()))
		}
		if !strings.Contains(asciibim.Summary(d), "MISMATCH") {
			t.Error("the summary does not report the mismatch")
		}
	}
	d, _ := asciibim.Read(bytes.NewReader(b))
	if s := asciibim.Summary(d); !strings.Contains(s, "Checksum: OK") || !strings.Contains(s, "room 101  Main Lobby") {
		t.Errorf("summary:\n%s", s)
	}
}

func TestReadErrors(t *testing.T) {
	for _, s := range []string{"", "hello", "===\nFILE_VERSION: 2.0\n===\n",
		"===\nFILE_VERSION: 1.0.0\n===\n\n=====\nFLOOR: x | y\n=====\n",
		"===\nFILE_VERSION: 1.0.0\n===\n\n=====\nFLOOR: 1 | y\n=====\n\nNONSENSE\n"} {
		if _, err := asciibim.Read(strings.NewReader(s)); err == nil {
			t.Errorf("%q: no error", s)
		}
	}
}

// TestGolden compares the tech-tower example with testdata/tech-tower.bim.txt
// (go test -update rewrites it): the layout a person checks by eye.
func TestGolden(t *testing.T) {
	text, _ := plantest.Example("tech-tower.json")
	m := formattest.Open(t, text)
	b, _ := write(t, m, nil)
	path := filepath.Join("testdata", "tech-tower.bim.txt")
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n%s", path, b)
	}
}

// TestAwkward checks what the awkward model must show: the empty floor, a
// missing north warning, labels of rooms whose names cannot be spelled in
// ASCII, escaped names.
func TestAwkward(t *testing.T) {
	m := formattest.Open(t, plantest.Awkward("mm", false))
	b, warnings := write(t, m, nil)
	if len(warnings) != 1 || warnings[0].Code != plan.CodeNoNorth {
		t.Errorf("warnings %v", warnings)
	}
	d, err := asciibim.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if !d.Floors[1].Empty || d.Floors[0].Empty {
		t.Error("floor L1 should be the one marked empty")
	}
	layout := strings.Join(d.Floors[0].Layout, "\n")
	for _, s := range []string{"G02", "CAFE G04", "RECEPTION & WAITING \"A\" <GROUND> G01", "D", "W", "!", "*", "$"} {
		if !strings.Contains(layout, s) {
			t.Errorf("layout lacks %q:\n%s", s, layout)
		}
	}
	if !bytes.Contains(b, []byte("NAME: 会议室")) || !bytes.Contains(b, []byte("NAME: "+plantest.LongName)) {
		t.Error("full room names missing from ROOMS")
	}
	if !bytes.Contains(b, []byte(`E-PANEL -> E-22 [400V/3PH/32A \u{5B}riser\u{5D} -\u{3E} L2]`)) {
		t.Errorf("connection spec not escaped:\n%s", b)
	}
}

func TestEscape(t *testing.T) {
	for _, s := range []string{"plain", "a\\b", "line\nbreak\r\t", "ctl\x00\x1b\u0085\u2028", "trailing ", "日本 🛋️", "x -> y [z]"} {
		text := plantest.Fuzz(s, s, s, 0, 0, 1, 0)
		m, err := model.Open(context.Background(), strings.NewReader(text), nil)
		if err != nil {
			t.Logf("%q: model rejects it: %v", s, err)
			continue
		}
		b, _ := write(t, m, nil)
		d, err := asciibim.Read(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if d.Building != m.Building.Name || d.Floors[0].Rooms[0].Name != s || d.Floors[0].Equipment[0].Model != s {
			t.Errorf("%q read back as %q / %q / %q", s, d.Building, d.Floors[0].Rooms[0].Name, d.Floors[0].Equipment[0].Model)
		}
		if len(d.Floors[0].Connections) != 1 || d.Floors[0].Connections[0].Spec != s {
			t.Errorf("%q: connections %+v", s, d.Floors[0].Connections)
		}
	}
}

func FuzzWrite(f *testing.F) {
	f.Add("Tech Tower", "Lobby", "Thermostat", 0.0, 0.0, 1.0, 30.0)
	f.Add("会议室 🛋️", "Café\n\"A\"", "x -> y [z]\\", 500000.0, -4e6, 0.01, -400.0)
	f.Add("", "a", "", -1e6, 1e6, 1000.0, 90.0)
	f.Fuzz(func(t *testing.T, building, room, equipment string, x, y, size, rot float64) {
		m, err := model.Open(context.Background(), strings.NewReader(plantest.Fuzz(building, room, equipment, x, y, size, rot)), nil)
		if err != nil {
			return
		}
		defer m.Close()
		b, _ := write(t, m, nil)
		checkDoc(t, m, b, nil)
	})
}

// BenchmarkWrite converts a generated building of about 100,000 elements.
func BenchmarkWrite(b *testing.B) {
	formattest.Bench(b, "asciibim", formattest.Generated(b, 100_000), nil)
}
